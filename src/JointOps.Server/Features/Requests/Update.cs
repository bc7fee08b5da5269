using JointOps.Server.Audit;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using JointOps.Server.Workflows;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Features.Requests;

/// <summary>The owner edits a draft, or a request returned to them for amendment or further information.</summary>
public static class Update
{
    public sealed record Command(CurrentUser User, Guid Id, RequestInput Input) : ICommand<Result<RequestView>>;

    public sealed class Validator : IValidator<Command>
    {
        public IReadOnlyDictionary<string, string[]> Validate(Command command)
        {
            var errors = RequestRules.Validate(command.Input, command.User.Country, command.Input.Submit);
            if (command.Input.Version is null)
            {
                errors["version"] = ["Required: the version you edited, from GET /api/requests/{id}."];
            }

            return errors;
        }
    }

    public sealed class Handler(JointOpsDbContext db, WorkflowCatalog catalog, Submission submission, AuditTrail audit, TimeProvider time)
        : IRequestHandler<Command, Result<RequestView>>
    {
        public async Task<Result<RequestView>> Handle(Command command, CancellationToken cancellationToken)
        {
            var user = command.User;
            var request = await db.Requests.VisibleTo(db, user).FirstOrDefaultAsync(r => r.Id == command.Id, cancellationToken);
            if (request is null)
            {
                return Problem.NotFound("The request");
            }

            var current = await RequestViews.BuildAsync(db, catalog, request, user, cancellationToken);
            if (!current.Editable)
            {
                return Problem.Forbidden("Only the owner edits a request, while it is a draft or returned to them.");
            }

            if (request.Version != command.Input.Version)
            {
                return Problem.Conflict($"You edited version {command.Input.Version}; the request is now at version {request.Version}.", current);
            }

            if (command.Input.ReceivingCountry != request.ReceivingCountry && request.Status != RequestStatus.Draft)
            {
                return Problem.Invalid("receivingCountry", "The receiving country cannot change after submission.");
            }

            if (command.Input.Submit && request.Status != RequestStatus.Draft)
            {
                return Problem.Invalid("submit", "A returned request goes back with the 'resubmit' or 'provide-information' decision.");
            }

            command.Input.ApplyTo(request);
            request.UpdatedAt = time.GetUtcNow();
            request.Version++;
            audit.Record(request, user, "edited", request.Step, request.Step);

            if (command.Input.Submit && await submission.SubmitAsync(request, user, cancellationToken) is { } problem)
            {
                return problem;
            }

            return await RequestViews.BuildAsync(db, catalog, request, user, cancellationToken);
        }
    }

    public static void Map(RouteGroupBuilder group) =>
        group.MapPut("/{id:guid}", async (Guid id, RequestInput input, HttpContext http, IMediator mediator, CancellationToken ct) =>
            {
                var user = CurrentUser.From(http.User);
                return (await mediator.Send(new Command(user, id, input), ct).WithCurrentAsync(mediator, user, id, ct)).ToHttp();
            })
            .WithName("UpdateRequest")
            .WithSummary("Edit a draft or a returned request: the same fields as creation, plus the version edited.");
}
