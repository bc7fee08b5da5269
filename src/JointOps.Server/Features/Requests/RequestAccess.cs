using JointOps.Engine.Runtime;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;

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

    public static RequestFacts EngineFacts(this Request request) =>
        new(request.RequestingCountry, request.ReceivingCountry, request.OwnerId, request.Unit, request.Type, request.Priority);

    public static InstanceState State(this Request request) =>
        new(request.Step!, request.StepEnteredAt!.Value, request.DueAt, request.Votes, request.Transmitted);
}
