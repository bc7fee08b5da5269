using JointOps.Engine.Definitions;
using JointOps.Engine.Runtime;
using JointOps.Server.Mail;
using JointOps.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Features.Requests;

/// <summary>
/// Writes what the engine decided, in the command's transaction: the instance state, who must act now,
/// who may see, the step's timers (cancelling the last step's), and the notifications.
/// </summary>
public sealed class WorkflowWriter(JointOpsDbContext db, RowWriter rows, Notifier notifier, CountryWideGrants countryWide)
{
    public async Task ApplyAsync(WorkflowRuntime runtime, Request request, Transition transition, DateTimeOffset now,
        string actorId, CancellationToken cancellationToken)
    {
        var wasTransmitted = request.Transmitted;
        var state = transition.State;
        var tracking = db.Entry(request).State;
        var tracked = tracking != EntityState.Detached;
        var isNew = tracking == EntityState.Added || rows.Inserts(request);
        if (!tracked && !isNew)
        {
            rows.UpdateState(request, request.Version);
        }

        request.Step = state.Step;
        request.StepEnteredAt = state.EnteredAt;
        request.DueAt = state.DueAt;
        request.Votes = [.. state.Votes];
        request.Transmitted = state.Transmitted;
        request.UpdatedAt = now;
        request.Version++;

        if (!transition.Moved)
        {
            if (transition.Branch is { } branch && state.Votes.Contains(branch))
            {
                rows.Execute($"""DELETE FROM "Assignments" WHERE "RequestId" = {request.Id} AND "Branch" = {branch}""");
            }

            return;
        }

        // Leaving a step ends its timers and its assignments in this same transaction, before the next step's are written.
        if (!isNew)
        {
            // The states as literals: against a parameter PostgreSQL cannot use the pending timers' partial index in a
            // prepared plan, and planned this statement afresh each time (more CPU than running it).
            rows.Execute($"""UPDATE "Timers" SET "State" = 'cancelled' WHERE "RequestId" = {request.Id} AND "State" = 'pending'""");
            rows.Execute($"""DELETE FROM "Assignments" WHERE "RequestId" = {request.Id}""");
        }

        // Written even when they look unchanged: an escalation may have set them since this request was read.
        request.OverdueSince = null;
        request.Escalations = 0;
        if (tracked && !isNew)
        {
            var entry = db.Entry(request);
            entry.Property(r => r.OverdueSince).IsModified = true;
            entry.Property(r => r.Escalations).IsModified = true;
        }

        var step = runtime.Step(state.Step);
        if (transition.Outcome is { } outcome)
        {
            request.Status = outcome;
            request.ClosedAt = now;
        }
        else
        {
            request.Status = RequestStatus.InProgress;
            AssignAndTime(request, step, transition);
            if (state.Transmitted && !wasTransmitted)
            {
                Grant(runtime, request, Side.Receiving);
            }
        }

        foreach (var notification in transition.Notifications)
        {
            var kind = notification.Kind switch
            {
                NotificationKind.TaskAssigned => MailKinds.TaskAssigned,
                NotificationKind.Transmitted => MailKinds.Transmitted,
                _ => MailKinds.DecisionTaken,
            };
            var facts = new MailFacts(kind, request.Reference, request.Id, step.Title, state.DueAt, transition.Decision);
            await notifier.NotifyAsync(notification.Recipients, request, facts, cancellationToken, exceptUserId: actorId);
        }
    }

    /// <summary>Opens the request to every participant of one side (and that country's auditors).</summary>
    public void Grant(WorkflowRuntime runtime, Request request, Side side)
    {
        var country = request.EngineFacts().CountryOf(side);
        var grants = new HashSet<(string Role, string? Unit)> { ("Auditor", null) };
        foreach (var participant in runtime.Participants)
        {
            if (participant.Side == side && participant.Scope != ActorScope.Owner)
            {
                grants.Add((participant.Role, participant.Scope == ActorScope.Unit ? request.Unit : null));
            }
        }

        foreach (var (role, unit) in grants)
        {
            rows.Insert(new Grant { RequestId = request.Id, Country = country, Role = role, Unit = unit });
            if (unit is null)
            {
                countryWide.Saw(country, role);
            }
        }
    }

    private void AssignAndTime(Request request, StepDefinition step, Transition transition)
    {
        var state = transition.State;
        var facts = request.EngineFacts();
        foreach (var (actor, branch) in step.ActorsWithBranches())
        {
            rows.Insert(new Assignment
            {
                RequestId = request.Id,
                Country = facts.CountryOf(actor.Side),
                Role = actor.Role,
                Unit = actor.Scope == ActorScope.Unit ? request.Unit : null,
                UserId = actor.Scope == ActorScope.Owner ? request.OwnerId : null,
                Branch = branch,
                Step = step.Id,
                DueAt = state.DueAt,
            });
        }

        // Only the first of the step's timers: each sets the next when it fires (FireDueTimers), so leaving the step early,
        // the common case, writes and cancels one row instead of all of them.
        if (transition.Timers is [var first, ..])
        {
            rows.Insert(NewTimer(request.Id, state.EnteredAt, first));
        }
    }

    public static StepTimer NewTimer(Guid requestId, DateTimeOffset stepEnteredAt, TimerRequest timer) => new()
    {
        RequestId = requestId,
        Step = timer.Step,
        StepEnteredAt = stepEnteredAt,
        Kind = TimerKinds.Of(timer.Kind),
        DueAt = timer.DueAt,
    };
}
