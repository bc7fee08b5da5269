using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using Microsoft.AspNetCore.Identity;

namespace JointOps.Server.Features.Auth;

/// <summary>Exchanges an email and password for a bearer token (lockout after repeated failures).</summary>
public static class Login
{
    public sealed record Body(string? Email, string? Password);

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
            .WithSummary("Sign in: returns { tokenType, accessToken, expiresIn, refreshToken }, or sets a cookie with ?useCookies=true.");

    public static void MapLogout(IEndpointRouteBuilder app) =>
        app.MapPost("/api/auth/logout", async (SignInManager<User> signIn) =>
            {
                await signIn.SignOutAsync();
                return TypedResults.NoContent();
            })
            .WithTags("Auth")
            .WithSummary("Ends a cookie session.");
}
