using JointOps.Server.Infrastructure;
using MediatR;

namespace JointOps.Server.Features.Requests;

public static class ConflictState
{
    /// <summary>
    /// A conflict found only at commit (someone else's decision won) carries no state yet;
    /// read it afresh so the loser sees what the request looks like now.
    /// </summary>
    public static async Task<Result<RequestView>> WithCurrentAsync(this Task<Result<RequestView>> sending, IMediator mediator,
        CurrentUser user, Guid id, CancellationToken cancellationToken)
    {
        var result = await sending;
        if (result.Problem is not { Status: StatusCodes.Status409Conflict, Current: null } problem)
        {
            return result;
        }

        var current = await mediator.Send(new GetRequest.Query(user, id), cancellationToken);
        return problem with { Current = current.Value };
    }
}
