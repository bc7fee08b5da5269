using JointOps.Engine.Definitions;
using JointOps.Server.Audit;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using JointOps.Server.Workflows;
using Microsoft.Extensions.Options;

namespace JointOps.Server.Features.Requests;

/// <summary>Starts a draft's workflow on the latest published version of the definition for its type.</summary>
public sealed class Submission(JointOpsDbContext db, WorkflowCatalog catalog, WorkflowWriter writer, AuditTrail audit, IOptions<WorkflowOptions> options, TimeProvider time)
{
    public async Task<Problem?> SubmitAsync(Request request, CurrentUser user, CancellationToken cancellationToken)
    {
        var errors = RequestRules.Validate(RequestInput.From(request), request.RequestingCountry, submitting: true);
        if (errors.Count > 0)
        {
            return Problem.Invalid(errors);
        }

        var name = options.Value.ByType.GetValueOrDefault(request.Type, options.Value.Default);
        var runtime = await catalog.LatestPublishedAsync(db, name, cancellationToken);
        if (runtime is null)
        {
            return new Problem(StatusCodes.Status409Conflict, "No published workflow.", $"Workflow '{name}' has no published version.");
        }

        var now = time.GetUtcNow();
        request.Workflow = name;
        request.WorkflowVersion = runtime.Definition.Version;
        request.SubmittedAt = now;
        var transition = runtime.Start(request.EngineFacts(), now);
        writer.Grant(runtime, request, Side.Requesting);
        await writer.ApplyAsync(runtime, request, transition, now, user.Id, cancellationToken);
        audit.Record(request, user, "submitted", null, transition.State.Step, "submit");
        return null;
    }
}
