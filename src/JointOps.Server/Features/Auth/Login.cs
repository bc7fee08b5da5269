using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using Microsoft.AspNetCore.Authentication.BearerToken;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace JointOps.Server.Features.Auth;

/// <summary>
/// Exchanges an email and password, and an authenticator or recovery code where the account has two-factor on, for a
/// bearer token (or a cookie); refreshes a token; signs out. Wrong passwords and wrong codes both count toward lockout.
/// </summary>
public static class Login
{
    public sealed record Body(string? Email, string? Password, string? TwoFactorCode = null, string? TwoFactorRecoveryCode = null);

    public sealed record RefreshBody(string? RefreshToken);

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/auth/login", async (Body body, bool? useCookies, SignInManager<User> signIn) =>
            {
                var errors = new Dictionary<string, string[]>();
                if (string.IsNullOrWhiteSpace(body.Email))
                {
                    errors["email"] = ["Required."];
                }
                else if (body.Email.Length > 256)
                {
                    errors["email"] = ["At most 256 characters."];
                }

                if (string.IsNullOrEmpty(body.Password))
                {
                    errors["password"] = ["Required."];
                }
                else if (body.Password.Length > 128)
                {
                    errors["password"] = ["At most 128 characters."];
                }

                if (errors.Count > 0)
                {
                    return Problem.Invalid(errors).ToHttp();
                }

                signIn.AuthenticationScheme = useCookies == true ? IdentityConstants.ApplicationScheme : IdentityConstants.BearerScheme;
                var result = await signIn.PasswordSignInAsync(body.Email!, body.Password!, isPersistent: false, lockoutOnFailure: true);
                if (result.RequiresTwoFactor)
                {
                    if (string.IsNullOrWhiteSpace(body.TwoFactorCode) && string.IsNullOrWhiteSpace(body.TwoFactorRecoveryCode))
                    {
                        return TypedResults.Problem("Give twoFactorCode from your authenticator app, or a twoFactorRecoveryCode.",
                            statusCode: StatusCodes.Status401Unauthorized, title: "A two-factor code is required.",
                            extensions: new Dictionary<string, object?> { ["twoFactorRequired"] = true });
                    }

                    result = await SecondFactorAsync(signIn, body.TwoFactorCode, body.TwoFactorRecoveryCode);
                    if (!result.Succeeded && !result.IsLockedOut)
                    {
                        return HttpResults.Status(StatusCodes.Status401Unauthorized, "Sign-in failed.", "Wrong two-factor code.");
                    }
                }

                if (result.Succeeded)
                {
                    // The bearer handler has written the token response; a cookie sign-in has set the cookie.
                    return TypedResults.Empty;
                }

                return result.IsLockedOut
                    ? HttpResults.Status(StatusCodes.Status423Locked, "The account is locked.", "Too many failed sign-ins; try again later.")
                    : HttpResults.Status(StatusCodes.Status401Unauthorized, "Sign-in failed.", "Wrong email or password.");
            })
            .AllowAnonymous()
            .RequireRateLimiting("sign-in")
            .WithTags("Auth")
            .WithSummary("Sign in with { email, password, twoFactorCode? | twoFactorRecoveryCode? }: returns { tokenType, accessToken, expiresIn, refreshToken }, or sets a cookie with ?useCookies=true.");

    /// <summary>
    /// The second step of a sign-in that needs two-factor (after the password, in the same request or, for the pages,
    /// from Identity's two-factor cookie): an authenticator code, else a recovery code (each works once).
    /// </summary>
    public static async Task<SignInResult> SecondFactorAsync(SignInManager<User> signIn, string? code, string? recoveryCode)
    {
        var authenticator = (code ?? "").Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (string.IsNullOrEmpty(recoveryCode) && authenticator.Length == 6 && authenticator.All(char.IsAsciiDigit))
        {
            return await signIn.TwoFactorAuthenticatorSignInAsync(authenticator, isPersistent: false, rememberClient: false);
        }

        // Recovery codes look like "ABCD1-EFGH2"; a page has one field for both kinds.
        var result = await signIn.TwoFactorRecoveryCodeSignInAsync((recoveryCode ?? code ?? "").Trim());
        if (result.Succeeded || result.IsLockedOut || await signIn.GetTwoFactorAuthenticationUserAsync() is not { } user)
        {
            return result;
        }

        // Identity leaves a wrong recovery code uncounted; here it counts toward the lockout like a wrong authenticator code.
        await signIn.UserManager.AccessFailedAsync(user);
        return await signIn.UserManager.IsLockedOutAsync(user) ? SignInResult.LockedOut : result;
    }

    public static void MapRefresh(IEndpointRouteBuilder app) =>
        app.MapPost("/api/auth/refresh", async Task<IResult> (RefreshBody body, SignInManager<User> signIn, IOptionsMonitor<BearerTokenOptions> bearer, TimeProvider time) =>
            {
                var ticket = string.IsNullOrEmpty(body.RefreshToken)
                    ? null
                    : bearer.Get(IdentityConstants.BearerScheme).RefreshTokenProtector.Unprotect(body.RefreshToken);

                // A refresh token outlives its access token, not a sign-out: the security stamp must still be current.
                if (ticket?.Properties.ExpiresUtc is not { } expires || time.GetUtcNow() >= expires
                    || await signIn.ValidateSecurityStampAsync(ticket.Principal) is not { } user)
                {
                    return HttpResults.Status(StatusCodes.Status401Unauthorized, "The refresh token is not valid.", "Sign in again.");
                }

                return TypedResults.SignIn(await signIn.CreateUserPrincipalAsync(user), authenticationScheme: IdentityConstants.BearerScheme);
            })
            .AllowAnonymous()
            .RequireRateLimiting("sign-in")
            .WithTags("Auth")
            .WithSummary("{ refreshToken } → a new { accessToken, refreshToken }; refused after sign-out or revocation.");

    public static void MapLogout(IEndpointRouteBuilder app) =>
        app.MapPost("/api/auth/logout", async (HttpContext http, SignInManager<User> signIn, SessionStamps sessions) =>
            {
                await SignOutEverywhereAsync(http, signIn, sessions);
                return TypedResults.NoContent();
            })
            .WithTags("Auth")
            .WithSummary("Signs out: every bearer token, refresh token and cookie of the caller stops working.");

    /// <summary>Ends all the signed-in user's sessions (the stamp changes) and removes this browser's cookie.</summary>
    public static async Task SignOutEverywhereAsync(HttpContext http, SignInManager<User> signIn, SessionStamps sessions)
    {
        if (await signIn.UserManager.GetUserAsync(http.User) is { } user)
        {
            await sessions.EndAllAsync(signIn.UserManager, user);
        }

        await signIn.SignOutAsync();
    }
}
