using System.Text;
using JointOps.Server.Audit;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using MediatR;
using Microsoft.AspNetCore.Identity;

namespace JointOps.Server.Features.Auth;

/// <param name="SharedKey">The authenticator key (base32), in groups of four for typing.</param>
/// <param name="AuthenticatorUri">The same as an otpauth:// URI, for apps that take one.</param>
public sealed record TwoFactorSetup(bool Enabled, string SharedKey, string AuthenticatorUri);

public sealed record TwoFactorEnabled(IReadOnlyList<string> RecoveryCodes);

/// <summary>
/// Enrolment in two-factor with an authenticator app (TOTP: HMAC-SHA1, 30-second steps, 6 digits): the user reads the
/// key, enters a code it gives, and gets recovery codes. Turning two-factor on changes the security stamp, so the
/// session used to enrol ends and the next sign-in asks for a code.
/// </summary>
public static class TwoFactor
{
    private const string Issuer = "JointOps";
    private const int RecoveryCodeCount = 10;

    public sealed record Query(CurrentUser User) : IRequest<Result<TwoFactorSetup>>;

    public sealed record CodeBody(string? Code);

    public sealed record Command(CurrentUser User, string? Code) : ICommand<Result<TwoFactorEnabled>>;

    public sealed class QueryHandler(UserManager<User> users, IUserStore<User> store) : IRequestHandler<Query, Result<TwoFactorSetup>>
    {
        public async Task<Result<TwoFactorSetup>> Handle(Query query, CancellationToken cancellationToken)
        {
            var user = await users.FindByIdAsync(query.User.Id) ?? throw new InvalidOperationException("Signed in as a user that does not exist.");
            var key = await users.GetAuthenticatorKeyAsync(user);
            if (string.IsNullOrEmpty(key))
            {
                // UserManager.ResetAuthenticatorKeyAsync would also change the security stamp and end this very session.
                key = users.GenerateNewAuthenticatorKey();
                await ((IUserAuthenticatorKeyStore<User>)store).SetAuthenticatorKeyAsync(user, key, cancellationToken);
                await users.UpdateAsync(user);
            }

            return new TwoFactorSetup(user.TwoFactorEnabled, Grouped(key),
                $"otpauth://totp/{Uri.EscapeDataString(Issuer)}:{Uri.EscapeDataString(user.Email ?? user.Id)}?secret={key}&issuer={Uri.EscapeDataString(Issuer)}&digits=6");
        }
    }

    public sealed class CommandHandler(UserManager<User> users, AuditTrail audit) : IRequestHandler<Command, Result<TwoFactorEnabled>>
    {
        public async Task<Result<TwoFactorEnabled>> Handle(Command command, CancellationToken cancellationToken)
        {
            var user = await users.FindByIdAsync(command.User.Id) ?? throw new InvalidOperationException("Signed in as a user that does not exist.");
            var code = (command.Code ?? "").Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
            if (string.IsNullOrEmpty(await users.GetAuthenticatorKeyAsync(user)))
            {
                return Problem.Invalid("code", "Read the key first (GET /api/account/two-factor), then enter the code your app shows.");
            }

            if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, code))
            {
                return Problem.Invalid("code", "The code is not valid. Enter the six digits your authenticator app shows now.");
            }

            await users.SetTwoFactorEnabledAsync(user, true);
            var recoveryCodes = await users.GenerateNewTwoFactorRecoveryCodesAsync(user, RecoveryCodeCount) ?? [];
            audit.Record($"user:{user.Id}", command.User, "two-factor-enabled");
            return new TwoFactorEnabled(recoveryCodes.ToList());
        }
    }

    public static void Map(IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/account/two-factor").WithTags("Account");
        group.MapGet("/", async (HttpContext http, IMediator mediator, CancellationToken ct) =>
                (await mediator.Send(new Query(CurrentUser.From(http.User)), ct)).ToHttp())
            .WithSummary("The authenticator key and otpauth:// URI to enrol (created on first read), and whether two-factor is on.");
        group.MapPost("/", async (CodeBody body, HttpContext http, IMediator mediator, SessionStamps sessions, CancellationToken ct) =>
            {
                var user = CurrentUser.From(http.User);
                var result = await mediator.Send(new Command(user, body.Code), ct);
                if (result.Succeeded)
                {
                    sessions.Forget(user.Id);
                }

                return result.ToHttp();
            })
            .WithSummary("{ \"code\": \"123456\" } from the authenticator app: turns two-factor on and returns recovery codes; sign in again with a code.");
    }

    private static string Grouped(string key)
    {
        var text = new StringBuilder();
        for (var i = 0; i < key.Length; i += 4)
        {
            text.Append(key.AsSpan(i, Math.Min(4, key.Length - i))).Append(' ');
        }

        return text.ToString().TrimEnd().ToLowerInvariant();
    }
}
