using JointOps.Server.Audit;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Features.Requests;

/// <summary>The request's audit trail, and whether its hash chain verifies.</summary>
public static class History
{
    public sealed record Query(CurrentUser User, Guid Id) : IRequest<Result<View>>;

    public sealed record Entry(int Sequence, DateTimeOffset At, string ActorName, string Roles, string Country, string Action,
        string? FromStep, string? ToStep, string? Decision, string? Comment, string Hash);

    public sealed record View(string Reference, bool Verified, int? BrokenAtSequence, string? Problem, IReadOnlyList<Entry> Entries);

    public sealed class Handler(JointOpsDbContext db) : IRequestHandler<Query, Result<View>>
    {
        public async Task<Result<View>> Handle(Query query, CancellationToken cancellationToken)
        {
            var anchor = await db.Requests.AsNoTracking().VisibleTo(db, query.User)
                .Where(r => r.Id == query.Id).Select(r => new { r.Reference, r.AuditSequence, r.AuditHash }).FirstOrDefaultAsync(cancellationToken);
            if (anchor is null)
            {
                return Infrastructure.Problem.NotFound("The request");
            }

            var entries = await db.AuditEntries.AsNoTracking()
                .Where(e => e.Stream == anchor.Reference).OrderBy(e => e.Sequence).ToListAsync(cancellationToken);
            var check = AuditChain.Verify(entries, anchor.AuditSequence, anchor.AuditHash);
            return new View(anchor.Reference, check.Verified, check.BrokenAtSequence, check.Reason,
                entries.Select(e => new Entry(e.Sequence, e.At, e.ActorName, e.Roles, e.Country, e.Action,
                    e.FromStep, e.ToStep, e.Decision, e.Comment, e.Hash)).ToList());
        }
    }

    public static void Map(RouteGroupBuilder group) =>
        group.MapGet("/{id:guid}/history", async (Guid id, HttpContext http, IMediator mediator, CancellationToken ct) =>
            (await mediator.Send(new Query(CurrentUser.From(http.User), id), ct)).ToHttp())
            .WithName("RequestHistory")
            .WithSummary("Every action on the request, and whether the audit chain verifies.");
}
