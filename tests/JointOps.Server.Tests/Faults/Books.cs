using System.Text;
using JointOps.Server.Audit;
using JointOps.Server.Mail;
using JointOps.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Faults;

/// <summary>
/// The database read directly, as an auditor with database access would, and checked against itself and against what
/// clients saw. A decision is one transaction (request row, audit entry, timers, outbox rows): a crash, a lost
/// database or a second server may cut it off or race it, but must never leave part of it, nor apply it twice.
/// </summary>
public sealed class Books
{
    private static readonly string[] TimerMails = [MailKinds.Reminder, MailKinds.Escalation];

    private Books(List<Request> requests, List<AuditEntry> audit, List<StepTimer> timers, List<OutboxMessage> outbox)
    {
        Requests = requests;
        Audit = audit.ToLookup(e => e.Stream);
        Timers = timers.ToLookup(t => t.RequestId);
        Outbox = outbox.Where(m => m.RequestId is not null).ToLookup(m => m.RequestId!.Value);
        AllOutbox = outbox;
    }

    public IReadOnlyList<Request> Requests { get; }

    public ILookup<string, AuditEntry> Audit { get; }

    public ILookup<Guid, StepTimer> Timers { get; }

    public ILookup<Guid, OutboxMessage> Outbox { get; }

    public IReadOnlyList<OutboxMessage> AllOutbox { get; }

    public static async Task<Books> ReadAsync(string connectionString)
    {
        await using var db = new PostgresDbContext(new DbContextOptionsBuilder<PostgresDbContext>().UseNpgsql(connectionString).Options);

        // One snapshot: servers still at work (escalations, mail) must not change the books between two reads.
        await using var snapshot = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead);
        return new Books(
            await db.Requests.AsNoTracking().ToListAsync(),
            await db.AuditEntries.AsNoTracking().OrderBy(e => e.Stream).ThenBy(e => e.Sequence).ToListAsync(),
            await db.Timers.AsNoTracking().OrderBy(t => t.Id).ToListAsync(),
            await db.Outbox.AsNoTracking().OrderBy(m => m.Id).ToListAsync());
    }

    /// <summary>
    /// Every request is whole: its audit chain verifies; its audit entries, version, step, timers and mails all tell the
    /// same story. Returns the failures found, one line each (empty when the books balance).
    /// </summary>
    public List<string> CheckEveryRequestIsWhole()
    {
        var failures = new List<string>();
        foreach (var request in Requests)
        {
            var entries = Audit[request.Reference].ToList();
            var verification = AuditChain.Verify(entries, request.AuditSequence, request.AuditHash);
            if (!verification.Verified)
            {
                failures.Add($"{request.Reference}: the audit chain breaks at {verification.BrokenAtSequence}: {verification.Reason}");
            }

            // The entries that moved the request: its submission and each decision, in order, each from where the last left it.
            var moves = entries.Where(e => e.Action is "submitted" or "decided").ToList();
            var step = (string?)null;
            foreach (var move in moves)
            {
                if (move.FromStep != step)
                {
                    failures.Add($"{request.Reference}: entry {move.Sequence} ({move.Action} {move.Decision}) is from step {move.FromStep}, the request was at {step}");
                }

                step = move.ToStep;
            }

            if (request.Step != step || request.Version != moves.Count)
            {
                failures.Add($"{request.Reference}: the request is at step {request.Step}, version {request.Version}; its audit trail has {moves.Count} moves ending at {step}");
            }

            var escalated = entries.Count(e => e.Action == "escalated");
            if (escalated != request.Escalations && request.Step == "review")
            {
                failures.Add($"{request.Reference}: {request.Escalations} escalations on the request, {escalated} \"escalated\" audit entries");
            }

            CheckTimers(request, moves, escalated, failures);
            CheckMails(request, escalated, failures);
        }

        foreach (var stream in Audit.Where(s => !s.Key.StartsWith("workflow:", StringComparison.Ordinal)))
        {
            if (Requests.All(r => r.Reference != stream.Key))
            {
                failures.Add($"{stream.Key}: audit entries for a request that does not exist");
            }
        }

        // Requests that took the same path wrote the same decision mails: a half-written decision would stand out.
        foreach (var path in Requests.GroupBy(Path))
        {
            var signatures = path.GroupBy(DecisionMails).ToList();
            if (signatures.Count > 1)
            {
                failures.Add($"Requests that went {path.Key} wrote different decision mails: " +
                    string.Join(" | ", signatures.Select(s => $"{s.Count()} × [{s.Key}] e.g. {s.First().Reference}")));
            }
        }

        return failures;
    }

    /// <summary>
    /// Every call a client saw succeed is in the books as that client saw it: the request with its submission, each
    /// decision as the move that made the version it was told. No version was decided twice. With
    /// <paramref name="everyMoveSeen"/> (no call was cut off) it goes the other way too: every move is one a client saw.
    /// </summary>
    public List<string> CheckClientsSawTheTruth(IReadOnlyList<ClientCall> calls, bool everyMoveSeen)
    {
        var failures = new List<string>();
        var byId = Requests.ToDictionary(r => r.Id);
        foreach (var call in calls.Where(c => c.Succeeded))
        {
            if (!byId.TryGetValue(call.RequestId, out var request))
            {
                failures.Add($"Client {call.Client}: {call.Action} of {call.RequestId} succeeded, but the request is not in the database");
                continue;
            }

            var moves = Audit[request.Reference].Where(e => e.Action is "submitted" or "decided").ToList();
            var version = call.VersionAfter ?? 0;
            var move = version >= 1 && version <= moves.Count ? moves[version - 1] : null;
            if (move?.Decision != call.Action || (call.VersionSent is { } sent && sent != version - 1))
            {
                failures.Add($"Client {call.Client}: {call.Action} on {request.Reference} v{call.VersionSent} succeeded as v{call.VersionAfter}; " +
                    $"the audit trail has {(move is null ? "no such move" : $"{move.Action} {move.Decision}")} there (path {Path(request)})");
            }
        }

        foreach (var twice in calls.Where(c => c.Succeeded && c.VersionSent is not null).GroupBy(c => (c.RequestId, c.VersionSent)).Where(g => g.Count() > 1))
        {
            failures.Add($"{twice.Key.RequestId} v{twice.Key.VersionSent} was decided by {twice.Count()} clients: " +
                string.Join(", ", twice.Select(c => $"client {c.Client} {c.Action}")));
        }

        if (everyMoveSeen)
        {
            var seen = calls.Where(c => c.Succeeded).Select(c => (c.RequestId, c.VersionAfter)).ToHashSet();
            foreach (var request in Requests)
            {
                var moves = Audit[request.Reference].Where(e => e.Action is "submitted" or "decided").ToList();
                for (var i = 0; i < moves.Count; i++)
                {
                    if (!seen.Contains((request.Id, i + 1)))
                    {
                        failures.Add($"{request.Reference}: v{i + 1} ({moves[i].Decision}) is in the books but no client saw it succeed");
                    }
                }
            }
        }

        return failures;
    }

    /// <summary>The path a request took, as its audit trail tells it ("submit > approve > acknowledge").</summary>
    public string Path(Request request) =>
        string.Join(" > ", Audit[request.Reference].Where(e => e.Action is "submitted" or "decided").Select(e => e.Decision));

    /// <summary>The decision mails a request wrote, as "kind to address" sorted (reminders and escalations left out).</summary>
    public string DecisionMails(Request request) =>
        string.Join(", ", Outbox[request.Id].Where(m => !TimerMails.Contains(m.Kind)).SelectMany(m => m.Recipients, (m, r) => $"{m.Kind} to {r.Email}").Order(StringComparer.Ordinal));

    /// <summary>Every path taken and the decision mails it wrote, for the test's log.</summary>
    public string DescribePaths()
    {
        var text = new StringBuilder();
        foreach (var path in Requests.GroupBy(Path).OrderByDescending(p => p.Count()))
        {
            text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\n  {path.Count(),4} × {path.Key}: {DecisionMails(path.First())}");
        }

        return text.ToString();
    }

    private void CheckTimers(Request request, List<AuditEntry> moves, int escalated, List<string> failures)
    {
        var timers = Timers[request.Id].ToList();

        // Each visit sets its first timer (review's reminder, acknowledgement's deadline); review's deadline is set by its reminder firing.
        var firedReviewReminders = timers.Count(t => t.Step == "review" && t.Kind == TimerKinds.Reminder && t.State == TimerState.Fired);
        foreach (var (step, kind, expected) in new[]
        {
            ("review", TimerKinds.Reminder, moves.Count(m => m.ToStep == "review")),
            ("review", TimerKinds.Deadline, firedReviewReminders),
            ("acknowledgement", TimerKinds.Deadline, moves.Count(m => m.ToStep == "acknowledgement")),
        })
        {
            var set = timers.Count(t => t.Step == step && t.Kind == kind);
            if (set != expected)
            {
                failures.Add($"{request.Reference}: {step} should have {expected} {kind} timer(s) but has {set}");
            }
        }

        var escalationTimers = timers.Count(t => t.Kind == TimerKinds.Escalation);
        var firedDeadlines = timers.Count(t => t.Kind != TimerKinds.Reminder && t.State == TimerState.Fired);
        if (escalationTimers != escalated || firedDeadlines != escalated)
        {
            failures.Add($"{request.Reference}: {escalated} escalation(s) audited, {firedDeadlines} deadline timer(s) fired, {escalationTimers} repetition(s) set");
        }

        foreach (var timer in timers.Where(t => t.State == TimerState.Pending))
        {
            if (request.Status != RequestStatus.InProgress || timer.Step != request.Step || timer.StepEnteredAt != request.StepEnteredAt)
            {
                failures.Add($"{request.Reference}: timer {timer.Id} ({timer.Kind} at {timer.Step}) is pending though the request is {request.Status} at {request.Step}");
            }
        }

        foreach (var timer in timers.Where(t => t.State != TimerState.Pending && t.FiredAt is not null && t.FiredAt < t.DueAt))
        {
            failures.Add($"{request.Reference}: timer {timer.Id} fired at {timer.FiredAt:O}, before it was due at {timer.DueAt:O}");
        }
    }

    private void CheckMails(Request request, int escalated, List<string> failures)
    {
        var mails = Outbox[request.Id].ToList();
        var firedReminders = Timers[request.Id].Count(t => t.Kind == TimerKinds.Reminder && t.State == TimerState.Fired);
        var reminders = mails.Where(m => m.Kind == MailKinds.Reminder).ToList();
        var escalations = mails.Where(m => m.Kind == MailKinds.Escalation).ToList();
        if (reminders.Count != firedReminders || reminders.Any(m => m.Recipients.Single().Email != SupervisorKr))
        {
            failures.Add($"{request.Reference}: {firedReminders} reminder timer(s) fired, {reminders.Count} reminder mail(s) written");
        }

        if (escalations.Count != escalated || escalations.Any(m => m.Recipients.Single().Email != CentralKr))
        {
            failures.Add($"{request.Reference}: {escalated} escalation(s) audited, {escalations.Count} escalation mail(s) written");
        }
    }
}
