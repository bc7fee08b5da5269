using JointOps.Engine.Runtime;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Features.Requests;

public sealed record RequestWithComments(Request Request, List<CommentView> Comments);

public static class RequestAccess
{
    /// <summary>
    /// The requests a user may see: their own, and those a grant opens to their country, role and unit
    /// (the requesting side from submission, the receiving side from transmission).
    /// </summary>
    public static IQueryable<Request> VisibleTo(this IQueryable<Request> requests, JointOpsDbContext db, CurrentUser user)
    {
        var roles = user.Roles.ToArray();
        return requests.Where(r => r.OwnerId == user.Id
            || db.Grants.Any(g => g.RequestId == r.Id && g.Country == user.Country && roles.Contains(g.Role)
                && (g.Unit == null || g.Unit == user.Unit)));
    }

    /// <summary>One request and its comments, if the user may see it (<see cref="VisibleTo"/>), untracked.</summary>
    public static Task<RequestWithComments?> ReadAsync(JointOpsDbContext db, CurrentUser user, Guid id, CancellationToken cancellationToken) => db switch
    {
        PostgresDbContext postgres => Compiled<PostgresDbContext>.Read(postgres, id, user.Id, user.Country, [.. user.Roles], user.Unit, cancellationToken),
        SqliteDbContext sqlite => Compiled<SqliteDbContext>.Read(sqlite, id, user.Id, user.Country, [.. user.Roles], user.Unit, cancellationToken),
        _ => throw new NotSupportedException(db.GetType().Name),
    };

    // Compiled, as the request page and every decision run it: translating the LINQ afresh was a tenth of a decision's
    // CPU. One per context type, since a compiled query serves one model. The condition is VisibleTo's, written out
    // because a compiled query cannot call it.
    private static class Compiled<TContext> where TContext : JointOpsDbContext
    {
        public static readonly Func<TContext, Guid, string, string, string[], string, CancellationToken, Task<RequestWithComments?>> Read =
            EF.CompileAsyncQuery((TContext db, Guid id, string userId, string country, string[] roles, string unit, CancellationToken _) =>
                db.Requests.AsNoTracking()
                    .Where(r => r.Id == id && (r.OwnerId == userId
                        || db.Grants.Any(g => g.RequestId == r.Id && g.Country == country && roles.Contains(g.Role) && (g.Unit == null || g.Unit == unit))))
                    .Select(r => new RequestWithComments(r, db.Comments.Where(c => c.RequestId == r.Id).OrderBy(c => c.Id)
                        .Select(RequestViews.CommentAsView).ToList()))
                    .FirstOrDefault());
    }

    /// <summary>
    /// <see cref="VisibleTo"/> for a list, as disjoint parts that PostgreSQL can each read newest first from one index: a
    /// user whom a grant opens requests country-wide gets one part; anyone else sees only their own requests and their
    /// unit's (a unit's grant always names the request's unit), two parts. "Unit or owner" and "owner or grant" in one
    /// statement made it hash every grant of the unit, and PostgreSQL 15 does not merge ordered parts of a UNION ALL,
    /// so the caller merges them.
    /// </summary>
    public static async Task<IReadOnlyList<IQueryable<Request>>> SearchableByAsync(this IQueryable<Request> requests, JointOpsDbContext db,
        CurrentUser user, CountryWideGrants countryWide, CancellationToken cancellationToken)
    {
        // Whether a grant opens the request is asked row by row (a scalar subquery), not as EXISTS: as a semi-join
        // PostgreSQL expects one request in seventy to have a grant, where nearly all a reader walks do, and sorted a
        // whole unit or hashed every grant of the role (68,000 at 100,000 requests, 50 ms) before reading a page.
        var roles = user.Roles.ToArray();
        if (await countryWide.AnyAsync(db, user.Country, roles, cancellationToken))
        {
            return [requests.Where(r => r.OwnerId == user.Id
                || (db.Grants.Where(g => g.RequestId == r.Id && g.Country == user.Country && roles.Contains(g.Role) && (g.Unit == null || g.Unit == user.Unit))
                    .Select(g => (bool?)true).FirstOrDefault() ?? false))];
        }

        var own = requests.Where(r => r.OwnerId == user.Id);
        if (user.Unit is not { } unit)
        {
            return [own];
        }

        var units = requests.Where(r => r.Unit == unit && r.OwnerId != user.Id
            && (db.Grants.Where(g => g.RequestId == r.Id && g.Country == user.Country && roles.Contains(g.Role) && (g.Unit == null || g.Unit == unit))
                .Select(g => (bool?)true).FirstOrDefault() ?? false));
        return [units, own];
    }

    public static RequestFacts EngineFacts(this Request request) =>
        new(request.RequestingCountry, request.ReceivingCountry, request.OwnerId, request.Unit, request.Type, request.Priority);

    public static InstanceState State(this Request request) =>
        new(request.Step!, request.StepEnteredAt!.Value, request.DueAt, request.Votes, request.Transmitted);
}
