using JointOps.Engine.Definitions;
using JointOps.Engine.Runtime;
using JointOps.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Features.Requests;

/// <summary>Writes what the engine decided: the instance state, who must act now, who may see, and the step's timers.</summary>
public static class WorkflowWriter
{
    public static async Task ApplyAsync(JointOpsDbContext db, WorkflowRuntime runtime, Request request, Transition transition,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var wasTransmitted = request.Transmitted;
        var state = transition.State;
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
                await db.Assignments.Where(a => a.RequestId == request.Id && a.Branch == branch).ExecuteDeleteAsync(cancellationToken);
            }

            return;
        }

        // Leaving a step ends its timers and its assignments in this same transaction.
        await db.Timers.Where(t => t.RequestId == request.Id && t.State == TimerState.Pending)
            .ExecuteUpdateAsync(s => s.SetProperty(t => t.State, TimerState.Cancelled), cancellationToken);
        await db.Assignments.Where(a => a.RequestId == request.Id).ExecuteDeleteAsync(cancellationToken);

        if (transition.Outcome is { } outcome)
        {
            request.Status = outcome;
            request.ClosedAt = now;
            return;
        }

        request.Status = RequestStatus.InProgress;
        var step = runtime.Step(state.Step);
        var facts = request.Facts();
        foreach (var (actor, branch) in RequestViews.ActorsOf(step))
        {
            db.Assignments.Add(new Assignment
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

        foreach (var timer in transition.Timers)
        {
            db.Timers.Add(new StepTimer { RequestId = request.Id, Step = timer.Step, Kind = timer.Kind.ToString().ToLowerInvariant(), DueAt = timer.DueAt });
        }

        if (state.Transmitted && !wasTransmitted)
        {
            Grant(db, runtime, request, Side.Receiving);
        }
    }

    /// <summary>Opens the request to every participant of one side (and that country's auditors).</summary>
    public static void Grant(JointOpsDbContext db, WorkflowRuntime runtime, Request request, Side side)
    {
        var facts = request.Facts();
        var country = facts.CountryOf(side);
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
            db.Grants.Add(new Grant { RequestId = request.Id, Country = country, Role = role, Unit = unit });
        }
    }
}
