using System.Security.Claims;
using JointOps.Server.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace JointOps.Server.Infrastructure;

/// <summary>Puts the user's country, unit and name into their sign-in, next to their roles.</summary>
public sealed class JointOpsClaimsFactory(UserManager<User> users, RoleManager<IdentityRole> roles, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<User, IdentityRole>(users, roles, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(User user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        identity.AddClaim(new Claim(JointOpsClaims.Country, user.Country));
        identity.AddClaim(new Claim(JointOpsClaims.Unit, user.Unit));
        identity.AddClaim(new Claim(JointOpsClaims.DisplayName, user.DisplayName));
        identity.AddClaim(new Claim(JointOpsClaims.Language, user.Language));
        return identity;
    }
}
