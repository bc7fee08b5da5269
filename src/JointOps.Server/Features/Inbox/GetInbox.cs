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

    /// <summary>
    /// What awaits the caller, one item per assignment. <see cref="Total"/> stops counting at <see cref="Search.CountLimit"/>,
    /// or at the limit asked for when that is larger (then <see cref="TotalIsAtLeast"/>).
    /// </summary>
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

    private sealed record InboxRow(long AssignmentId, Guid Id, string Reference, string Title, string Type, string Priority, string Step,
        string? Branch, DateTimeOffset? DueAt, string RequestingCountry, string ReceivingCountry, int Version, string Workflow, int? WorkflowVersion);

    // A class with settable members, not a record: EF Core follows members of an initializer through later operators.
    private sealed class Row
    {
        public required Assignment A { get; init; }

        public required Request R { get; init; }
    }

    public sealed class Handler(JointOpsDbContext db, WorkflowCatalog catalog) : IRequestHandler<Query, Result<View>>
    {
        public async Task<Result<View>> Handle(Query query, CancellationToken cancellationToken)
        {
            // Each part is read in deadline order from its own index and stops at the page's end; the parts are
            // disjoint, so their counts add up and the page is merged here.
            var total = 0;
            var stop = Math.Max(Search.CountLimit, query.Limit);
            var rows = new List<InboxRow>();
            var sqlite = db.Database.IsSqlite();

            // PostgreSQL would plan these statements afresh at every call: it estimates the one plan that serves every
            // role above the plans made for each, though all walk the same index (docs/benchmarks.md). Forced to keep
            // the one, and without parallel workers, which a page limit it cannot see yet would otherwise bring.
            // Not inside a caller's transaction, whose later statements the settings would outlive.
            await using var transaction = sqlite || db.Database.CurrentTransaction is not null ? null : await db.Database.BeginTransactionAsync(cancellationToken);
            if (transaction is not null)
            {
                await db.Database.ExecuteSqlRawAsync("SET LOCAL plan_cache_mode = force_generic_plan; SET LOCAL max_parallel_workers_per_gather = 0", cancellationToken);
            }

            foreach (var part in Parts(query.User))
            {
                var joined = part.Join(db.Requests, a => a.RequestId, r => r.Id, (a, r) => new Row { A = a, R = r });
                if (query.Type is not null)
                {
                    joined = joined.Where(x => x.R.Type == query.Type);
                }

                if (query.Priority is not null)
                {
                    joined = joined.Where(x => x.R.Priority == query.Priority);
                }

                if (query.Country is not null)
                {
                    joined = joined.Where(x => x.R.RequestingCountry == query.Country || x.R.ReceivingCountry == query.Country);
                }

                // SQLite puts nulls first; PostgreSQL puts them last, which its index gives for free.
                var ordered = sqlite ? joined.OrderBy(x => x.A.DueAt == null).ThenBy(x => x.A.DueAt) : joined.OrderBy(x => x.A.DueAt);
                var page = await ordered.ThenBy(x => x.A.Id)
                    .Take(query.Limit)
                    .Select(x => new InboxRow(x.A.Id, x.R.Id, x.R.Reference, x.R.Title, x.R.Type, x.R.Priority, x.A.Step, x.A.Branch, x.A.DueAt,
                        x.R.RequestingCountry, x.R.ReceivingCountry, x.R.Version, x.R.Workflow, x.R.WorkflowVersion))
                    .ToListAsync(cancellationToken);
                rows.AddRange(page);

                // A part that does not fill the page is all there: only a full one is counted. Unfiltered, the count
                // needs no request: the assignments' index answers it alone. Counted in deadline order, so that a plan
                // made once for every role still walks the index: without an order PostgreSQL chose to scan the table
                // for a role with no country-wide assignment at all (31 ms at a million).
                total += page.Count < query.Limit ? page.Count
                    : query.Type is null && query.Priority is null && query.Country is null
                        ? await part.OrderBy(a => a.DueAt).ThenBy(a => a.Id).Take(stop + 1).CountAsync(cancellationToken)
                        : await joined.OrderBy(x => x.A.DueAt).ThenBy(x => x.A.Id).Take(stop + 1).CountAsync(cancellationToken);
            }

            // Deadlines first, those without one last (as PostgreSQL orders them).
            rows = [.. rows.OrderBy(r => r.DueAt is null).ThenBy(r => r.DueAt).ThenBy(r => r.AssignmentId).Take(query.Limit)];

            // One item per assignment: someone who holds two branches of a parallel step has two votes to cast.
            var items = new List<Item>(rows.Count);
            foreach (var row in rows)
            {
                var runtime = await catalog.GetAsync(db, row.Workflow, row.WorkflowVersion!.Value, cancellationToken);
                items.Add(new Item(row.Id, row.Reference, row.Title, row.Type, row.Priority, row.Step, runtime?.Step(row.Step).Title ?? row.Step,
                    row.Branch, row.DueAt, row.RequestingCountry, row.ReceivingCountry, row.Version));
            }

            return new View(items, Math.Min(total, stop), total > stop);
        }

        /// <summary>
        /// The caller's assignments, one part per role and scope (country-wide, and their own unit's), each a key of an
        /// index in deadline order. "Unit is null or unit = mine" in one statement walked every assignment of the role
        /// in the country, and PostgreSQL 15 does not merge ordered parts of a UNION ALL.
        /// </summary>
        private IEnumerable<IQueryable<Assignment>> Parts(CurrentUser user)
        {
            foreach (var role in user.Roles.Distinct(StringComparer.Ordinal))
            {
                var ofRole = db.Assignments.AsNoTracking().Where(a => a.Country == user.Country && a.Role == role && (a.UserId == null || a.UserId == user.Id));
                yield return ofRole.Where(a => a.Unit == null);
                if (user.Unit is { } unit)
                {
                    yield return ofRole.Where(a => a.Unit == unit);
                }
            }
        }
    }

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/inbox", async (int? limit, string? type, string? priority, string? country, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new Query(CurrentUser.From(http.User), int.Clamp(limit ?? 100, 1, 500), type, priority, country), ct)).ToHttp())
            .WithName("Inbox")
            .WithTags("Inbox")
            .WithSummary("The steps awaiting the caller, most urgent deadline first.");
}
