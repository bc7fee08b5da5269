using System.Security.Claims;
using JointOps.Server.Persistence;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Microsoft.Extensions.Options;

namespace JointOps.Server.Infrastructure;

/// <summary>
/// A session (bearer token or cookie) lives as long as the security stamp it was issued with: sign-out and revocation
/// change the stamp. Each server keeps users' current stamps in memory for <see cref="SecurityOptions.SessionCheckWindow"/>,
/// so checking every request costs a dictionary lookup, not a query.
/// </summary>
public sealed class SessionStamps(IMemoryCache cache, IOptions<SecurityOptions> options)
{
    public async ValueTask<bool> IsCurrentAsync(string userId, string stamp, IServiceProvider requestServices, CancellationToken cancellationToken)
    {
        var key = Key(userId);
        if (!cache.TryGetValue(key, out string? current))
        {
            var db = requestServices.GetRequiredService<JointOpsDbContext>();
            current = await db.Users.AsNoTracking().Where(u => u.Id == userId).Select(u => u.SecurityStamp).FirstOrDefaultAsync(cancellationToken) ?? "";
            cache.Set(key, current, options.Value.SessionCheckWindow);
        }

        return !string.IsNullOrEmpty(current) && string.Equals(current, stamp, StringComparison.Ordinal);
    }

    /// <summary>Ends every session of the user, on every device.</summary>
    public async Task EndAllAsync(UserManager<User> users, User user)
    {
        await users.UpdateSecurityStampAsync(user);
        Forget(user.Id);
    }

    /// <summary>Drops this server's copy, after the stamp was changed.</summary>
    public void Forget(string userId) => cache.Remove(Key(userId));

    private static (string, string) Key(string userId) => ("session-stamp", userId);
}

/// <summary>
/// After authentication: a session whose stamp is no longer current counts as signed out (401), and a user whose role
/// requires two-factor but who has not enrolled may only enrol (403 on the API, a redirect to the enrolment page).
/// </summary>
public sealed class SessionGateMiddleware(RequestDelegate next, SessionStamps stamps, IOptions<IdentityOptions> identity)
{
    public const string EnrolmentPage = "/Account/TwoFactor";

    private static readonly string[] OpenWhileEnrolling = ["/api/account/two-factor", "/api/auth", EnrolmentPage, "/Account/Logout", "/Account/Login"];

    public async Task InvokeAsync(HttpContext http)
    {
        if (http.User.Identity?.IsAuthenticated == true)
        {
            var userId = http.User.FindFirstValue(identity.Value.ClaimsIdentity.UserIdClaimType);
            var stamp = http.User.FindFirstValue(identity.Value.ClaimsIdentity.SecurityStampClaimType);
            if (userId is null || stamp is null || !await stamps.IsCurrentAsync(userId, stamp, http.RequestServices, http.RequestAborted))
            {
                http.User = new ClaimsPrincipal(new ClaimsIdentity());
            }
            else if (http.User.HasClaim(c => c.Type == JointOpsClaims.TwoFactorEnrolment)
                && !OpenWhileEnrolling.Any(path => http.Request.Path.StartsWithSegments(path, StringComparison.OrdinalIgnoreCase)))
            {
                if (http.Request.Path.StartsWithSegments("/api") || http.Request.Path.StartsWithSegments("/hangfire"))
                {
                    await HttpResults.Status(StatusCodes.Status403Forbidden, "Enrol two-factor authentication first.",
                            "Your role requires an authenticator code at sign-in: GET /api/account/two-factor for the key, then POST a code to it.")
                        .ExecuteAsync(http);
                }
                else
                {
                    http.Response.Redirect(EnrolmentPage);
                }

                return;
            }
        }

        await next(http);
    }
}
