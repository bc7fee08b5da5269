using JointOps.Engine.Definitions;
using JointOps.Engine.Runtime;
using JointOps.Server.Features.Requests;
using JointOps.Server.Audit;
using JointOps.Server.Infrastructure;
using JointOps.Server.Mail;
using JointOps.Server.Persistence;
using JointOps.Server.Workflows;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace JointOps.Server.Features.Deadlines;

/// <summary>
/// Claims a batch of due timers and fires them: reminders to whoever may act, and on a deadline the escalation
/// (the request marked overdue, the audit entry, the email to the definition's target, the next repetition).
/// Claim, effects and close are one transaction, so a timer fires at most once; several servers skip each other's rows.
/// </summary>
public static class FireDueTimers
{
    public sealed record Command : ICommand<Result<int>>;

    public sealed class Handler(JointOpsDbContext db, RowWriter rows, WorkflowCatalog catalog, Notifier notifier, AuditTrail audit,
        IOptions<DeadlineOptions> options, TimeProvider time) : IRequestHandler<Command, Result<int>>
    {
        public async Task<Result<int>> Handle(Command command, CancellationToken cancellationToken)
        {
            // The database's clock, read once: the claim compares with a parameter (an index range) and FiredAt is never before DueAt.
            var now = db.Database.IsNpgsql() && options.Value.Clock != "Application"
                ? await db.Database.SqlQuery<DateTimeOffset>($"SELECT clock_timestamp() AS \"Value\"").SingleAsync(cancellationToken)
                : time.GetUtcNow();
            var timers = await ClaimAsync(now, cancellationToken);
            if (timers.Count == 0)
            {
                return 0;
            }

            var requestIds = timers.Select(t => t.RequestId).Distinct().ToArray();
            var requests = await LockRequestsAsync(requestIds, cancellationToken);
            // Only a reminder sets a successor, so only then is it asked whether the visit holds its later timers already.
            var setAhead = timers.Any(t => t.Kind == TimerKinds.Reminder)
                ? await VisitsSetAheadAsync(requestIds, cancellationToken)
                : [];
            foreach (var timer in timers.OrderBy(t => t.DueAt))
            {
                var request = requests[timer.RequestId];
                timer.FiredAt = now;

                // A decision may have moved the request on while this timer waited: then it is stale.
                if (request.Step != timer.Step || request.StepEnteredAt != timer.StepEnteredAt || request.Status != RequestStatus.InProgress)
                {
                    timer.State = TimerState.Cancelled;
                    continue;
                }

                timer.State = TimerState.Fired;
                var runtime = (await catalog.GetAsync(db, request.Workflow, request.WorkflowVersion!.Value, cancellationToken))!;
                var step = runtime.Step(request.Step);
                if (timer.Kind == TimerKinds.Reminder)
                {
                    await notifier.NotifyAssigneesAsync(request, new MailFacts(MailKinds.Reminder, request.Reference, request.Id, step.Title, request.DueAt), cancellationToken);

                    // A visit's timers are set one at a time: this one sets the next.
                    if (!setAhead.Contains((request.Id, timer.StepEnteredAt))
                        && runtime.NextTimer(request.State(), TimerKind.Reminder, timer.DueAt) is { } next)
                    {
                        rows.Insert(WorkflowWriter.NewTimer(request.Id, timer.StepEnteredAt, next));
                    }

                    continue;
                }

                await EscalateAsync(request, step, timer, now, cancellationToken);
            }

            return timers.Count;
        }

        private async Task EscalateAsync(Request request, StepDefinition step, StepTimer timer, DateTimeOffset now, CancellationToken cancellationToken)
        {
            request.OverdueSince ??= request.DueAt ?? timer.DueAt;
            request.Escalations++;
            audit.Record(request, CurrentUser.System, "escalated", request.Step, request.Step,
                comment: $"Overdue since {request.OverdueSince:u}; escalation {request.Escalations}.");

            var facts = new MailFacts(MailKinds.Escalation, request.Reference, request.Id, step.Title, request.DueAt);
            if (step.Escalation is { } escalation)
            {
                await notifier.NotifyAsync(escalation.To, request, facts, cancellationToken);
                if (escalation.Every is { } every && DefinitionValidator.TryParseDuration(every, out var interval))
                {
                    // Keep the cadence, but after an outage send one escalation now rather than every missed one.
                    var next = timer.DueAt + interval;
                    rows.Insert(new StepTimer
                    {
                        RequestId = request.Id,
                        Step = timer.Step,
                        StepEnteredAt = timer.StepEnteredAt,
                        Kind = TimerKinds.Escalation,
                        DueAt = next > now ? next : now + interval,
                    });
                }
            }
            else
            {
                await notifier.NotifyAssigneesAsync(request, facts, cancellationToken);
            }
        }

        private async Task<List<StepTimer>> ClaimAsync(DateTimeOffset now, CancellationToken cancellationToken)
        {
            var batch = options.Value.TimerBatchSize;
            if (db.Database.IsNpgsql())
            {
                // SKIP LOCKED lets several servers claim side by side.
                return await db.Timers.FromSql($"""
                    SELECT * FROM "Timers"
                    WHERE "State" = 'pending' AND "DueAt" <= {now}
                    ORDER BY "DueAt" LIMIT {batch}
                    FOR UPDATE SKIP LOCKED
                    """).ToListAsync(cancellationToken);
            }

            // SQLite: the transaction already holds the database's only write lock.
            return await db.Timers.Where(t => t.State == TimerState.Pending && t.DueAt <= now)
                .OrderBy(t => t.DueAt).Take(batch).ToListAsync(cancellationToken);
        }

        /// <summary>
        /// The visits (request, step entry) holding more than one pending timer, the claimed ones included: entered
        /// before timers were set one at a time, they hold their later timers already.
        /// </summary>
        private async Task<HashSet<(Guid RequestId, DateTimeOffset StepEnteredAt)>> VisitsSetAheadAsync(Guid[] requestIds, CancellationToken cancellationToken)
        {
            var visits = await db.Timers.AsNoTracking()
                .Where(t => requestIds.Contains(t.RequestId) && t.State == TimerState.Pending)
                .GroupBy(t => new { t.RequestId, t.StepEnteredAt })
                .Where(g => g.Count() > 1)
                .Select(g => g.Key)
                .ToListAsync(cancellationToken);
            return [.. visits.Select(v => (v.RequestId, v.StepEnteredAt))];
        }

        private async Task<Dictionary<Guid, Request>> LockRequestsAsync(Guid[] ids, CancellationToken cancellationToken)
        {
            // Locking the requests orders this transaction with any decision on them: whichever commits first, the other sees it.
            // Always in Id order, so two servers locking overlapping sets cannot deadlock.
            var requests = db.Database.IsNpgsql()
                ? await db.Requests.FromSql($"""SELECT * FROM "Requests" WHERE "Id" = ANY({ids}) ORDER BY "Id" FOR UPDATE""").ToListAsync(cancellationToken)
                : await db.Requests.Where(r => ids.Contains(r.Id)).ToListAsync(cancellationToken);
            return requests.ToDictionary(r => r.Id);
        }
    }
}
