using JointOps.Server.Persistence;
using JointOps.Server.Infrastructure;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace JointOps.Server.Development;

/// <summary>
/// One user per role and country, Development only, with the password from Development:SeedPassword. Users in the
/// roles that require two-factor get the authenticator key Development:AuthenticatorKey (base32) with two-factor on,
/// so tests and benchmarks can compute their codes.
/// </summary>
public static class DevelopmentSeed
{
    public sealed record SeedUser(string Email, string Name, string Country, string Unit, string Role);

    public static readonly IReadOnlyList<SeedUser> Users =
    [
        new("officer.kr@jointops.test", "Kim Min-jun", "KR", "KR-SEOUL-CYBER", "Officer"),
        new("officer2.kr@jointops.test", "Park Ji-woo", "KR", "KR-BUSAN-CYBER", "Officer"),
        new("supervisor.kr@jointops.test", "Lee Seo-yeon", "KR", "KR-SEOUL-CYBER", "Supervisor"),
        new("supervisor2.kr@jointops.test", "Choi Hyun-woo", "KR", "KR-BUSAN-CYBER", "Supervisor"),
        new("central.kr@jointops.test", "Jung Da-eun", "KR", "KR-KNPA-ISCB", "CentralAuthority"),
        new("liaison.kr@jointops.test", "Kang Tae-yang", "KR", "KR-EMBASSY-PHNOMPENH", "Liaison"),
        new("approver.kr@jointops.test", "Yoon Soo-ah", "KR", "KR-KNPA-ISCB", "Approver"),
        new("executing.kr@jointops.test", "Han Jae-won", "KR", "KR-SEOUL-CYBER", "ExecutingUnit"),
        new("admin.kr@jointops.test", "Admin Korea", "KR", "KR-KNPA-ISCB", "Admin"),
        new("auditor.kr@jointops.test", "Auditor Korea", "KR", "KR-KNPA-AUDIT", "Auditor"),
        new("officer.kh@jointops.test", "Sok Dara", "KH", "KH-TASKFORCE", "Officer"),
        new("supervisor.kh@jointops.test", "Chan Sophea", "KH", "KH-TASKFORCE", "Supervisor"),
        new("central.kh@jointops.test", "Heng Vannak", "KH", "KH-MOJ-CA", "CentralAuthority"),
        new("liaison.kh@jointops.test", "Keo Sreymom", "KH", "KH-TASKFORCE", "Liaison"),
        new("approver.kh@jointops.test", "Ly Rithy", "KH", "KH-GCNP-AHTJP", "Approver"),
        new("executing.kh@jointops.test", "Meas Bopha", "KH", "KH-PP-COMMISSARIAT", "ExecutingUnit"),
        new("admin.kh@jointops.test", "Admin Cambodia", "KH", "KH-GCNP", "Admin"),
        new("auditor.kh@jointops.test", "Auditor Cambodia", "KH", "KH-GCNP-AUDIT", "Auditor"),
    ];

    public static async Task RunAsync(IServiceProvider services)
    {
        var password = services.GetRequiredService<IConfiguration>()["Development:SeedPassword"];
        if (string.IsNullOrEmpty(password))
        {
            return;
        }

        var authenticatorKey = services.GetRequiredService<IConfiguration>()["Development:AuthenticatorKey"];
        var twoFactorRoles = services.GetRequiredService<IOptions<SecurityOptions>>().Value.RolesRequiringTwoFactor;
        var users = services.GetRequiredService<UserManager<User>>();
        var store = (IUserAuthenticatorKeyStore<User>)services.GetRequiredService<IUserStore<User>>();
        string? hash = null;
        foreach (var seed in Users)
        {
            var user = await users.FindByEmailAsync(seed.Email);
            if (user is null)
            {
                user = new User { UserName = seed.Email, Email = seed.Email, EmailConfirmed = true, DisplayName = seed.Name, Country = seed.Country, Unit = seed.Unit };

                // The first is created with the password (checked and hashed); the rest share its hash, as they share
                // the password: hashing it 18 times was over a second of a fresh start.
                IdentityResult created;
                if (hash is null)
                {
                    created = await users.CreateAsync(user, password);
                    hash = user.PasswordHash;
                }
                else
                {
                    user.PasswordHash = hash;
                    created = await users.CreateAsync(user);
                }

                if (!created.Succeeded)
                {
                    throw new InvalidOperationException($"Seeding {seed.Email} failed: {string.Join("; ", created.Errors.Select(e => e.Description))}");
                }

                await users.AddToRoleAsync(user, seed.Role);
            }

            // Also for users seeded before two-factor existed, so a kept Development database still signs in.
            if (!string.IsNullOrEmpty(authenticatorKey) && twoFactorRoles.Contains(seed.Role) && !user.TwoFactorEnabled)
            {
                await store.SetAuthenticatorKeyAsync(user, authenticatorKey, CancellationToken.None);
                await users.SetTwoFactorEnabledAsync(user, true);
            }
        }
    }
}
