using JointOps.Server.Features.Requests;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using JointOps.Server.Workflows;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Features.Inbox;

/// <summary>What awaits the caller: steps assigned to their country, role and unit (or to them), most urgent deadline first.</summary>
public static class GetInbox
{
    public sealed record Query(CurrentUser User, int Limit, string? Type = null, string? Priority = null, string? Country = null) : IRequest<Result<View>>;

    public sealed record Item(Guid RequestId, string Reference, string Title, string Type, string Priority, string Step, string StepTitle,
        string? Branch, DateTimeOffset? DueAt, string RequestingCountry, string ReceivingCountry, int Version);

    /// <summary>What awaits the caller; <see cref="Total"/> stops counting at <see cref="Search.CountLimit"/> (then <see cref="TotalIsAtLeast"/>).</summary>
    public sealed record View(IReadOnlyList<Item> Items, int Total, bool TotalIsAtLeast);

    /// <summary>Filters are closed sets; anything else is refused before it reaches the database.</summary>
    public sealed class Validator : IValidator<Query>
    {
        public IReadOnlyDictionary<string, string[]> Validate(Query query)
        {
            var errors = new Dictionary<string, string[]>();
            if (query.Type is not null && !RequestRules.Types.Contains(query.Type))
            {
                errors["type"] = [$"One of: {string.Join(", ", RequestRules.Types)}."];
            }

            if (query.Priority is not null && !RequestRules.Priorities.Contains(query.Priority))
            {
                errors["priority"] = [$"One of: {string.Join(", ", RequestRules.Priorities)}."];
            }

            if (query.Country is not null && !RequestRules.Countries.Contains(query.Country))
            {
                errors["country"] = ["KR or KH."];
            }

            return errors;
        }
    }

    public sealed class Handler(JointOpsDbContext db, WorkflowCatalog catalog) : IRequestHandler<Query, Result<View>>
    {
        public async Task<Result<View>> Handle(Query query, CancellationToken cancellationToken)
        {
            var user = query.User;
            var roles = user.Roles.ToArray();
            var mine = db.Assignments.AsNoTracking().Where(a => a.Country == user.Country && roles.Contains(a.Role)
                && (a.Unit == null || a.Unit == user.Unit) && (a.UserId == null || a.UserId == user.Id));
            var joined = mine.Join(db.Requests, a => a.RequestId, r => r.Id, (a, r) => new { a, r });
            if (query.Type is not null)
            {
                joined = joined.Where(x => x.r.Type == query.Type);
            }

            if (query.Priority is not null)
            {
                joined = joined.Where(x => x.r.Priority == query.Priority);
            }

            if (query.Country is not null)
            {
                joined = joined.Where(x => x.r.RequestingCountry == query.Country || x.r.ReceivingCountry == query.Country);
            }

            var total = await joined.Select(x => x.a.RequestId).Distinct().Take(Search.CountLimit + 1).CountAsync(cancellationToken);
            var rows = await joined
                .OrderBy(x => x.a.DueAt).ThenBy(x => x.a.Id)
                .Take(query.Limit)
                .Select(x => new
                {
                    x.r.Id, x.r.Reference, x.r.Title, x.r.Type, x.r.Priority, x.a.Step, x.a.Branch, x.a.DueAt,
                    x.r.RequestingCountry, x.r.ReceivingCountry, x.r.Version, x.r.Workflow, x.r.WorkflowVersion,
                })
                .ToListAsync(cancellationToken);

            var items = new List<Item>(rows.Count);
            foreach (var row in rows.DistinctBy(r => r.Id))
            {
                var runtime = await catalog.GetAsync(db, row.Workflow, row.WorkflowVersion!.Value, cancellationToken);
                items.Add(new Item(row.Id, row.Reference, row.Title, row.Type, row.Priority, row.Step, runtime?.Step(row.Step).Title ?? row.Step,
                    row.Branch, row.DueAt, row.RequestingCountry, row.ReceivingCountry, row.Version));
            }

            return new View(items, Math.Min(total, Search.CountLimit), total > Search.CountLimit);
        }
    }

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/inbox", async (int? limit, string? type, string? priority, string? country, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new Query(CurrentUser.From(http.User), int.Clamp(limit ?? 100, 1, 500), type, priority, country), ct)).ToHttp())
            .WithName("Inbox")
            .WithTags("Inbox")
            .WithSummary("The steps awaiting the caller, most urgent deadline first.");
}
