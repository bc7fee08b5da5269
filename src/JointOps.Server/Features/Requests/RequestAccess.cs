using JointOps.Engine.Runtime;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Features.Requests;

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

    /// <summary>
    /// <see cref="VisibleTo"/> for a list, with what lets PostgreSQL find a page fast: a user whom no grant opens requests
    /// country-wide sees only requests of their own unit (a unit's grant always names the request's unit) and their
    /// own, so the search may walk those two indexes instead of every request. The answer is the same either way.
    /// </summary>
    public static async Task<IQueryable<Request>> SearchableByAsync(this IQueryable<Request> requests, JointOpsDbContext db, CurrentUser user,
        CancellationToken cancellationToken)
    {
        var roles = user.Roles.ToArray();
        var visible = requests.VisibleTo(db, user);
        var countryWide = await db.Grants.AnyAsync(g => g.Country == user.Country && roles.Contains(g.Role) && g.Unit == null, cancellationToken);
        return countryWide ? visible : visible.Where(r => r.Unit == user.Unit || r.OwnerId == user.Id);
    }

    public static RequestFacts EngineFacts(this Request request) =>
        new(request.RequestingCountry, request.ReceivingCountry, request.OwnerId, request.Unit, request.Type, request.Priority);

    public static InstanceState State(this Request request) =>
        new(request.Step!, request.StepEnteredAt!.Value, request.DueAt, request.Votes, request.Transmitted);
}
