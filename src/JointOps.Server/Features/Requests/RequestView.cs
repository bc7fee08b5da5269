using JointOps.Engine.Definitions;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using JointOps.Server.Workflows;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Features.Requests;

/// <summary>One actor of the current step; <see cref="DueLocal"/> is the deadline in their country's time.</summary>
public sealed record StepActorView(string Role, string Country, string? Unit, string? UserId, string? Branch, bool Voted, DateTimeOffset? DueLocal);

public sealed record StepView(string Id, string Title, DateTimeOffset EnteredAt, DateTimeOffset? DueAt, DateTimeOffset? OverdueSince,
    int Escalations, bool Editable, IReadOnlyList<StepActorView> Actors);

public sealed record CommentView(long Id, string AuthorName, string Country, string? Step, string Text, DateTimeOffset At);

public sealed record WorkflowRef(string Name, int? Version);

public sealed record OwnerView(string Id, string Name, string Unit);

/// <summary>A request as its page shows it: the fields, where it stands, and what the caller may do now.</summary>
public sealed record RequestView(
    Guid Id, string Reference, string Type, string Priority, string? UrgencyReason, DateOnly? RequestedBy,
    string Title, string Facts, string? Purpose, string LegalBasis,
    IReadOnlyList<Offence> Offences, IReadOnlyList<Subject> Subjects, IReadOnlyList<string> Measures,
    string Confidentiality, string Language, string? RelatedReferences,
    string RequestingCountry, string ReceivingCountry, OwnerView Owner,
    string Status, WorkflowRef Workflow, StepView? Step, IReadOnlyList<string> AllowedDecisions, bool Editable, int Version,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, DateTimeOffset? SubmittedAt, DateTimeOffset? ClosedAt,
    IReadOnlyList<CommentView> Comments);

public static class RequestViews
{
    /// <summary>A comment as the request page shows it; an expression, so EF Core can use it inside a larger query.</summary>
    public static readonly System.Linq.Expressions.Expression<Func<Comment, CommentView>> CommentAsView =
        c => new CommentView(c.Id, c.AuthorName, c.Country, c.Step, c.Text, c.At);

    /// <summary>The request as the caller sees it; <paramref name="comments"/> when already read with it.</summary>
    public static async Task<RequestView> BuildAsync(JointOpsDbContext db, WorkflowCatalog catalog, Request r, CurrentUser user,
        CancellationToken cancellationToken, IReadOnlyList<CommentView>? comments = null)
    {
        StepView? step = null;
        IReadOnlyList<string> allowed = [];
        var editable = false;
        if (r.Status == RequestStatus.Draft)
        {
            editable = r.OwnerId == user.Id;
            allowed = editable ? ["submit"] : [];
        }
        else if (r.WorkflowVersion is { } version && r.Step is not null)
        {
            var runtime = await catalog.GetAsync(db, r.Workflow, version, cancellationToken)
                ?? throw new InvalidOperationException($"Workflow {r.Workflow} v{version} is missing.");
            var definition = runtime.Step(r.Step);
            var facts = r.EngineFacts();
            var actors = new List<StepActorView>();
            foreach (var (actor, branch) in definition.ActorsWithBranches())
            {
                var country = facts.CountryOf(actor.Side);
                actors.Add(new StepActorView(actor.Role, country,
                    actor.Scope == ActorScope.Unit ? r.Unit : null,
                    actor.Scope == ActorScope.Owner ? r.OwnerId : null,
                    branch, branch is not null && r.Votes.Contains(branch),
                    r.DueAt is { } due ? TimeZoneInfo.ConvertTime(due, catalog.Calendars[country].Zone) : null));
            }

            step = new StepView(definition.Id, definition.Title, r.StepEnteredAt!.Value, r.DueAt, r.OverdueSince, r.Escalations, definition.Editable, actors);
            if (!definition.IsTerminal)
            {
                allowed = runtime.AllowedDecisions(r.State(), facts, user.Actor);
                editable = definition.Editable && runtime.IsActorOf(r.State(), facts, user.Actor);
            }
        }

        comments ??= await db.Comments.AsNoTracking()
            .Where(c => c.RequestId == r.Id)
            .OrderBy(c => c.Id)
            .Select(CommentAsView)
            .ToListAsync(cancellationToken);

        return new RequestView(
            r.Id, r.Reference, r.Type, r.Priority, r.UrgencyReason, r.RequestedBy, r.Title, r.Facts, r.Purpose, r.LegalBasis,
            r.Offences, r.Subjects, r.Measures, r.Confidentiality, r.Language, r.RelatedReferences,
            r.RequestingCountry, r.ReceivingCountry, new OwnerView(r.OwnerId, r.OwnerName, r.Unit),
            r.Status, new WorkflowRef(r.Workflow, r.WorkflowVersion), step, allowed, editable, r.Version,
            r.CreatedAt, r.UpdatedAt, r.SubmittedAt, r.ClosedAt, comments);
    }
}
