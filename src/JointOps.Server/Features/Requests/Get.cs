using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using JointOps.Server.Workflows;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Features.Requests;

public static class GetRequest
{
    public sealed record Query(CurrentUser User, Guid Id) : IRequest<Result<RequestView>>;

    public sealed class Handler(JointOpsDbContext db, WorkflowCatalog catalog) : IRequestHandler<Query, Result<RequestView>>
    {
        public async Task<Result<RequestView>> Handle(Query query, CancellationToken cancellationToken)
        {
            var found = await RequestAccess.ReadAsync(db, query.User, query.Id, cancellationToken);
            return found is null
                ? Problem.NotFound("The request")
                : await RequestViews.BuildAsync(db, catalog, found.Request, query.User, cancellationToken, found.Comments);
        }
    }

    public static void Map(RouteGroupBuilder group) =>
        group.MapGet("/{id:guid}", async (Guid id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new Query(CurrentUser.From(http.User), id), ct)).ToHttp())
            .WithName("GetRequest")
            .WithSummary("The request, its current step, deadline, and the decisions the caller may take now.");
}
