using JointOps.Engine.Runtime;
using JointOps.Server.Audit;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using JointOps.Server.Workflows;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Features.Requests;

/// <summary>An actor takes a decision on the current step (or the owner submits a draft).</summary>
public static class Decide
{
    public sealed record Body(string? Decision, string? Comment, int? Version);

    public sealed record Command(CurrentUser User, Guid Id, string Decision, string? Comment, int? Version) : ICommand<Result<RequestView>>;

    public sealed class Validator : IValidator<Command>
    {
        public IReadOnlyDictionary<string, string[]> Validate(Command command)
        {
            var errors = new Dictionary<string, string[]>();
            if (string.IsNullOrWhiteSpace(command.Decision))
            {
                errors["decision"] = ["Required: one of the request's allowedDecisions."];
            }
            else if (command.Decision.Length > 64)
            {
                errors["decision"] = ["At most 64 characters."];
            }

            if (command.Comment is { Length: > 4000 })
            {
                errors["comment"] = ["At most 4000 characters."];
            }
            else if (Engine.PlainTextConverter.Problem(command.Comment) is { } problem)
            {
                // The JSON API refuses these already; the request page's form does not go through it.
                errors["comment"] = [problem];
            }

            if (command.Version is null)
            {
                errors["version"] = ["Required: the version you decided on, from GET /api/requests/{id}."];
            }

            return errors;
        }
    }

    public sealed class Handler(JointOpsDbContext db, WorkflowCatalog catalog, Submission submission, WorkflowWriter writer, AuditTrail audit, TimeProvider time)
        : IRequestHandler<Command, Result<RequestView>>
    {
        public async Task<Result<RequestView>> Handle(Command command, CancellationToken cancellationToken)
        {
            var user = command.User;
            // The request and its comments (for the answer) in one round trip; untracked, as the writes go past EF Core (RowWriter).
            var found = await RequestAccess.ReadAsync(db, user, command.Id, cancellationToken);
            if (found is null)
            {
                return Problem.NotFound("The request");
            }

            var (request, comments) = (found.Request, found.Comments);

            if (request.Version != command.Version)
            {
                return Problem.Conflict($"You decided on version {command.Version}; the request is now at version {request.Version}.",
                    await RequestViews.BuildAsync(db, catalog, request, user, cancellationToken, comments));
            }

            if (request.Status == RequestStatus.Draft)
            {
                return command.Decision != "submit"
                    ? Problem.Invalid("decision", "A draft takes only 'submit'.")
                    : await submission.SubmitAsync(request, user, cancellationToken) is { } problem
                        ? problem
                        : await RequestViews.BuildAsync(db, catalog, request, user, cancellationToken, comments);
            }

            var runtime = await catalog.GetAsync(db, request.Workflow, request.WorkflowVersion!.Value, cancellationToken)
                ?? throw new InvalidOperationException($"Workflow {request.Workflow} v{request.WorkflowVersion} is missing.");
            var now = time.GetUtcNow();
            var result = runtime.Decide(request.State(), request.EngineFacts(), user.Actor, command.Decision, command.Comment, now);
            if (result.Transition is not { } transition)
            {
                return result.Failure switch
                {
                    DecisionFailure.UnknownDecision => Problem.Invalid("decision", result.Message),
                    DecisionFailure.CommentRequired => Problem.Invalid("comment", result.Message),
                    DecisionFailure.NotPermitted => Problem.Forbidden(result.Message),
                    _ => Problem.Conflict(result.Message, await RequestViews.BuildAsync(db, catalog, request, user, cancellationToken, comments)),
                };
            }

            await writer.ApplyAsync(runtime, request, transition, now, user.Id, cancellationToken);
            audit.Record(request, user, "decided", transition.FromStep, transition.State.Step, command.Decision, command.Comment);
            return await RequestViews.BuildAsync(db, catalog, request, user, cancellationToken, comments);
        }
    }

    public static void Map(RouteGroupBuilder group) =>
        group.MapPost("/{id:guid}/decisions", async (Guid id, Body body, HttpContext http, IMediator mediator, CancellationToken ct) =>
            {
                var user = CurrentUser.From(http.User);
                return (await mediator.Send(new Command(user, id, body.Decision ?? "", body.Comment, body.Version), ct)
                    .WithCurrentAsync(mediator, user, id, ct)).ToHttp();
            })
            .WithName("Decide")
            .WithSummary("Take a decision on the current step: { \"decision\": \"approve\", \"comment\": \"...\", \"version\": n }.");
}
