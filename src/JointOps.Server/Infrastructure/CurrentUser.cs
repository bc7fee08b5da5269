using System.Security.Claims;
using JointOps.Engine.Runtime;

namespace JointOps.Server.Infrastructure;

public static class JointOpsClaims
{
    public const string Country = "jointops:country";
    public const string Unit = "jointops:unit";
    public const string DisplayName = "jointops:name";
    public const string Language = "jointops:language";

    /// <summary>On a session that may only enrol two-factor: the user's role requires it and they have not enrolled.</summary>
    public const string TwoFactorEnrolment = "jointops:enrol-two-factor";
}

/// <summary>The signed-in user as commands and queries see them.</summary>
public sealed record CurrentUser(string Id, string Name, string Country, string Unit, IReadOnlyList<string> Roles)
{
    /// <summary>JointOps itself, for what its timers do (escalations).</summary>
    public static readonly CurrentUser System = new("system", "JointOps", "", "", []);

    public Actor Actor => new(Id, Country, Roles, Unit);

    public bool IsInRole(string role) => Roles.Contains(role);

    public static CurrentUser From(ClaimsPrincipal principal) => new(
        principal.FindFirstValue(ClaimTypes.NameIdentifier) ?? throw new InvalidOperationException("Not signed in."),
        principal.FindFirstValue(JointOpsClaims.DisplayName) ?? principal.Identity?.Name ?? "",
        principal.FindFirstValue(JointOpsClaims.Country) ?? "",
        principal.FindFirstValue(JointOpsClaims.Unit) ?? "",
        principal.FindAll(ClaimTypes.Role).Select(c => c.Value).ToArray());
}
