using JointOps.Server.Audit;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Features.Requests;

public static class AddComment
{
    public sealed record Body(string? Text);

    /// <summary>The comment as written (its number is known once the transaction commits; the request page lists it).</summary>
    public sealed record Added(string AuthorName, string Country, string? Step, string Text, DateTimeOffset At);

    public sealed record Command(CurrentUser User, Guid Id, string? Text) : ICommand<Result<Added>>, IRetriedOnConflict;

    public sealed class Validator : IValidator<Command>
    {
        public IReadOnlyDictionary<string, string[]> Validate(Command command) => string.IsNullOrWhiteSpace(command.Text)
            ? new Dictionary<string, string[]> { ["text"] = ["Required."] }
            : command.Text.Length > 4000
                ? new Dictionary<string, string[]> { ["text"] = ["At most 4000 characters."] }
                : Engine.PlainTextConverter.Problem(command.Text) is { } problem
                    ? new Dictionary<string, string[]> { ["text"] = [problem] }
                    : new Dictionary<string, string[]>();
    }

    public sealed class Handler(JointOpsDbContext db, AuditTrail audit, TimeProvider time) : IRequestHandler<Command, Result<Added>>
    {
        public async Task<Result<Added>> Handle(Command command, CancellationToken cancellationToken)
        {
            var user = command.User;
            // Comments on one request queue behind each other on its row instead of racing for the next audit number.
            if (db.Database.IsNpgsql())
            {
                await db.Database.ExecuteSqlAsync($"SELECT 1 FROM \"Requests\" WHERE \"Id\" = {command.Id} FOR UPDATE", cancellationToken);
            }

            // Tracked: the comment's audit entry moves the request's audit anchor.
            var request = await db.Requests.VisibleTo(db, user).FirstOrDefaultAsync(r => r.Id == command.Id, cancellationToken);
            if (request is null)
            {
                return Problem.NotFound("The request");
            }

            if (user.Roles.All(r => r == "Auditor"))
            {
                return Problem.Forbidden("Auditors read; they do not comment.");
            }

            var comment = new Comment
            {
                RequestId = request.Id,
                AuthorId = user.Id,
                AuthorName = user.Name,
                Country = user.Country,
                Step = request.Step,
                Text = command.Text!,
                At = time.GetUtcNow(),
            };
            db.Comments.Add(comment);
            audit.Record(request, user, "commented", request.Step, request.Step, comment: comment.Text);
            return new Added(comment.AuthorName, comment.Country, comment.Step, comment.Text, comment.At);
        }
    }

    public static void Map(RouteGroupBuilder group) =>
        group.MapPost("/{id:guid}/comments", async (Guid id, Body body, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new Command(CurrentUser.From(http.User), id, body.Text), ct))
                .ToHttp(comment => TypedResults.Created($"/api/requests/{id}", comment)))
            .WithName("AddComment")
            .WithSummary("Comment on a request you may see.");
}
