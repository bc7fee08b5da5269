using JointOps.Server.Audit;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using MediatR;
using Microsoft.AspNetCore.Identity;

namespace JointOps.Server.Features.Auth;

/// <summary>An admin ends every session of another user (a lost device, a leaked token); audited on the user's stream.</summary>
public static class RevokeSessions
{
    public sealed record Command(CurrentUser Admin, string UserId) : ICommand<Result<string>>;

    public sealed class Handler(UserManager<User> users, AuditTrail audit) : IRequestHandler<Command, Result<string>>
    {
        public async Task<Result<string>> Handle(Command command, CancellationToken cancellationToken)
        {
            if (await users.FindByIdAsync(command.UserId) is not { } user)
            {
                return Problem.NotFound("The user");
            }

            await users.UpdateSecurityStampAsync(user);
            audit.Record($"user:{user.Id}", command.Admin, "sessions-revoked");
            return user.Id;
        }
    }

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapPost("/api/admin/users/{id}/revoke-sessions", async (string id, HttpContext http, IMediator mediator, SessionStamps sessions, CancellationToken ct) =>
            {
                var result = await mediator.Send(new Command(CurrentUser.From(http.User), id), ct);

                // After the commit, so no request can cache the old stamp again on this server.
                if (result.Succeeded)
                {
                    sessions.Forget(id);
                }

                return result.ToHttp(_ => TypedResults.NoContent());
            })
            .RequireAuthorization("Admin")
            .WithTags("Admin")
            .WithSummary("Ends every bearer token, refresh token and cookie of the user.");
}
