using System.Security.Claims;
using JointOps.Server.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace JointOps.Server.Infrastructure;

/// <summary>Puts the user's country, unit and name into their sign-in, next to their roles, and marks a session that must enrol two-factor first.</summary>
public sealed class JointOpsClaimsFactory(UserManager<User> users, RoleManager<IdentityRole> roles, IOptions<IdentityOptions> options,
    IOptions<SecurityOptions> security)
    : UserClaimsPrincipalFactory<User, IdentityRole>(users, roles, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(User user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(JointOpsClaims.Country, user.Country));
        identity.AddClaim(new Claim(JointOpsClaims.Unit, user.Unit));
        identity.AddClaim(new Claim(JointOpsClaims.DisplayName, user.DisplayName));
        identity.AddClaim(new Claim(JointOpsClaims.Language, user.Language));
        if (!user.TwoFactorEnabled && security.Value.RolesRequiringTwoFactor.Any(role => identity.HasClaim(identity.RoleClaimType, role)))
        {
            identity.AddClaim(new Claim(JointOpsClaims.TwoFactorEnrolment, "required"));
        }

        return identity;
    }
}
