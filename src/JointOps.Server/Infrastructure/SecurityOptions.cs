namespace JointOps.Server.Infrastructure;

/// <summary>Sign-in settings (section "Security").</summary>
public sealed class SecurityOptions
{
    public static readonly string[] DefaultTwoFactorRoles = ["Approver", "CentralAuthority", "Admin"];

    /// <summary>Roles whose users must sign in with an authenticator code; unset means <see cref="DefaultTwoFactorRoles"/>.</summary>
    public string[]? TwoFactorRoles { get; set; }

    public TimeSpan AccessTokenLifetime { get; set; } = TimeSpan.FromHours(1);

    public TimeSpan RefreshTokenLifetime { get; set; } = TimeSpan.FromHours(12);

    /// <summary>
    /// How long a server trusts its cached copy of a user's security stamp: sign-out and revocation take effect at once
    /// on the server that did them, and within this window on the others.
    /// </summary>
    public TimeSpan SessionCheckWindow { get; set; } = TimeSpan.FromSeconds(5);

    public IReadOnlyList<string> RolesRequiringTwoFactor => TwoFactorRoles is { Length: > 0 } roles ? roles : DefaultTwoFactorRoles;
}
