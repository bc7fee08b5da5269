using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Features.Requests;

/// <summary>Searches the requests the caller may see, newest activity first, a page at a time.</summary>
public static class Search
{
    public sealed record Query(CurrentUser User, string? Status, string? Type, string? Country, int Page, int PageSize) : IRequest<Result<Page>>;

    public sealed record Item(Guid Id, string Reference, string Title, string Type, string Priority, string Status, string? Step,
        DateTimeOffset? DueAt, string RequestingCountry, string ReceivingCountry, DateTimeOffset UpdatedAt);

    /// <summary>
    /// A page of results. <see cref="Total"/> stops counting at <see cref="CountLimit"/>, or just past the page when the
    /// page lies further (then <see cref="TotalIsAtLeast"/>), so a caller always learns whether another page follows.
    /// </summary>
    public sealed record Page(IReadOnlyList<Item> Items, int PageNumber, int PageSize, int Total, bool TotalIsAtLeast);

    // Every request counted is a visibility probe: counting to a thousand was three quarters of the reads' database time
    // at a million requests (docs/benchmarks.md). The dashboard gives exact counts per step.
    public const int CountLimit = 200;

    // Paging walks (and counts) every result before the page; past this, a narrower search serves better.
    public const int MaxResults = 10_000;

    /// <summary>A draft, a running request, or one of the outcomes a definition's terminal steps give.</summary>
    public static readonly string[] Statuses = [RequestStatus.Draft, RequestStatus.InProgress, .. JointOps.Engine.Definitions.Vocabulary.Outcomes];

    public sealed class Validator : IValidator<Query>
    {
        public IReadOnlyDictionary<string, string[]> Validate(Query query)
        {
            var errors = new Dictionary<string, string[]>();
            if (query.Page < 1)
            {
                errors["page"] = ["Pages start at 1."];
            }

            if (query.PageSize is < 1 or > 100)
            {
                errors["pageSize"] = ["Between 1 and 100."];
            }
            else if (query.Page > MaxResults / query.PageSize)
            {
                errors["page"] = [$"At most {MaxResults / query.PageSize} pages of {query.PageSize}; narrow the search."];
            }

            if (query.Country is not null && !RequestRules.Countries.Contains(query.Country))
            {
                errors["country"] = ["KR or KH."];
            }

            if (query.Type is not null && !RequestRules.Types.Contains(query.Type))
            {
                errors["type"] = [$"One of: {string.Join(", ", RequestRules.Types)}."];
            }

            if (query.Status is not null && !Statuses.Contains(query.Status))
            {
                errors["status"] = [$"One of: {string.Join(", ", Statuses)}."];
            }

            return errors;
        }
    }

    public sealed class Handler(JointOpsDbContext db, CountryWideGrants countryWide) : IRequestHandler<Query, Result<Page>>
    {
        public async Task<Result<Page>> Handle(Query query, CancellationToken cancellationToken)
        {
            var parts = await db.Requests.AsNoTracking().SearchableByAsync(db, query.User, countryWide, cancellationToken);
            var total = 0;
            var items = new List<Item>();
            var skip = (query.Page - 1) * query.PageSize;
            var stop = Math.Max(CountLimit, skip + query.PageSize);
            foreach (var part in parts.Select(p => Filtered(p, query)))
            {
                // Parts are disjoint: their counts add up, and the page is among the first skip + size rows of each.
                // Counted newest first, like the page: the newest requests are the likeliest visible, so the walk stops
                // soonest (counting to 1,000, a central authority's count took 12,600 probes in the owner index's order
                // and 2,000 in this one).
                var newest = part.OrderByDescending(r => r.UpdatedAt).ThenByDescending(r => r.Id);
                var (offset, size) = parts.Count == 1 ? (skip, query.PageSize) : (0, skip + query.PageSize);
                var rows = await newest.Skip(offset).Take(size)
                    .Select(r => new Item(r.Id, r.Reference, r.Title, r.Type, r.Priority, r.Status, r.Step, r.DueAt,
                        r.RequestingCountry, r.ReceivingCountry, r.UpdatedAt))
                    .ToListAsync(cancellationToken);
                items.AddRange(rows);

                // A part that ends within what was read needs no count.
                total += rows.Count < size && (rows.Count > 0 || offset == 0) ? offset + rows.Count
                    : await newest.Take(stop + 1).CountAsync(cancellationToken);
            }

            if (parts.Count > 1)
            {
                items = [.. items.OrderByDescending(i => i.UpdatedAt).ThenByDescending(i => i.Id).Skip(skip).Take(query.PageSize)];
            }

            return new Page(items, query.Page, query.PageSize, Math.Min(total, stop), total > stop);
        }

        private static IQueryable<Request> Filtered(IQueryable<Request> requests, Query query)
        {
            if (query.Status is not null)
            {
                requests = requests.Where(r => r.Status == query.Status);
            }

            if (query.Type is not null)
            {
                requests = requests.Where(r => r.Type == query.Type);
            }

            if (query.Country is not null)
            {
                requests = requests.Where(r => r.RequestingCountry == query.Country || r.ReceivingCountry == query.Country);
            }

            return requests;
        }
    }

    public static void Map(RouteGroupBuilder group) =>
        group.MapGet("/", async (string? status, string? type, string? country, int? page, int? pageSize,
                HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new Query(CurrentUser.From(http.User), status, type, country, page ?? 1, pageSize ?? 20), ct)).ToHttp())
            .WithName("SearchRequests")
            .WithSummary("Requests the caller may see, filtered by status, type and country (requesting or receiving).");
}
