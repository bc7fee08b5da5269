using JointOps.Server.Features.Requests;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Features.Dashboard;

/// <summary>Open requests by step and country, overdue counts, and the median time spent per step, over what the caller may see.</summary>
public static class GetDashboard
{
    public sealed record Query(CurrentUser User) : IRequest<Result<View>>;

    public sealed record OpenByStep(string Step, string Country, int Open, int Overdue);

    public sealed record StepDuration(string Step, int Samples, double MedianHours);

    public sealed record View(int Open, int Overdue, IReadOnlyList<OpenByStep> ByStep, IReadOnlyList<StepDuration> Durations);

    public sealed class Handler(JointOpsDbContext db, TimeProvider time) : IRequestHandler<Query, Result<View>>
    {
        public async Task<Result<View>> Handle(Query query, CancellationToken cancellationToken)
        {
            var now = time.GetUtcNow();
            var visible = db.Requests.AsNoTracking().VisibleTo(db, query.User);
            var open = await visible.Where(r => r.Status == RequestStatus.InProgress)
                .GroupBy(r => new { r.Step, r.ReceivingCountry, Overdue = r.DueAt < now })
                .Select(g => new { g.Key.Step, g.Key.ReceivingCountry, g.Key.Overdue, Count = g.Count() })
                .ToListAsync(cancellationToken);
            var byStep = open.GroupBy(o => (o.Step, o.ReceivingCountry))
                .Select(g => new OpenByStep(g.Key.Step ?? "", g.Key.ReceivingCountry, g.Sum(x => x.Count), g.Where(x => x.Overdue).Sum(x => x.Count)))
                .OrderBy(s => s.Step).ThenBy(s => s.Country).ToList();

            // Time per step from the audit trail of the most recent requests: entering a step to leaving it.
            var recent = visible.OrderByDescending(r => r.UpdatedAt).Take(2000).Select(r => r.Id);
            var moves = await db.AuditEntries.AsNoTracking()
                .Where(e => e.RequestId != null && recent.Contains(e.RequestId.Value) && (e.Action == "submitted" || e.Action == "decided"))
                .Select(e => new { e.RequestId, e.Sequence, e.At, e.FromStep, e.ToStep })
                .ToListAsync(cancellationToken);
            var durations = new Dictionary<string, List<double>>();
            foreach (var trail in moves.GroupBy(m => m.RequestId))
            {
                DateTimeOffset? entered = null;
                foreach (var move in trail.OrderBy(m => m.Sequence).Where(m => m.FromStep != m.ToStep))
                {
                    if (entered is { } start && move.FromStep is { } step)
                    {
                        (durations.TryGetValue(step, out var list) ? list : durations[step] = []).Add((move.At - start).TotalHours);
                    }

                    entered = move.At;
                }
            }

            var medians = durations.Select(d => new StepDuration(d.Key, d.Value.Count, Median(d.Value))).OrderBy(d => d.Step).ToList();
            return new View(open.Sum(o => o.Count), open.Where(o => o.Overdue).Sum(o => o.Count), byStep, medians);
        }

        private static double Median(List<double> values)
        {
            values.Sort();
            var middle = values.Count / 2;
            return values.Count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
        }
    }
}
