using JointOps.Engine.Calendars;
using JointOps.Engine.Definitions;

namespace JointOps.Engine.Runtime;

/// <summary>
/// Runs one validated definition: pure and thread-safe. Given an instance's state, an actor and a decision
/// it returns the new state, the timers and the notifications, or why the decision is not allowed.
/// </summary>
public sealed class WorkflowRuntime
{
    private static readonly ActorSpec Owner = new() { Role = "Officer", Side = Side.Requesting, Scope = ActorScope.Owner };

    private readonly Dictionary<string, StepDefinition> _steps;
    private readonly CalendarSet _calendars;

    public WorkflowRuntime(WorkflowDefinition definition, CalendarSet calendars)
    {
        Definition = definition;
        _calendars = calendars;
        _steps = definition.Steps.ToDictionary(s => s.Id, StringComparer.Ordinal);
        Participants = definition.Steps
            .SelectMany(s => s.Actors().Concat(s.Decisions.Where(d => d.By is not null).Select(d => d.By!)))
            .Concat(definition.Steps.Where(s => s.Escalation is not null).Select(s => s.Escalation!.To))
            .Distinct()
            .ToArray();
    }

    public WorkflowDefinition Definition { get; }

    /// <summary>Every actor the definition names anywhere: who may see a request (receiving side once transmitted).</summary>
    public IReadOnlyList<ActorSpec> Participants { get; }

    public StepDefinition Step(string id) => _steps[id];

    /// <summary>Submission: the request enters the start step.</summary>
    public Transition Start(RequestFacts facts, DateTimeOffset now)
    {
        var empty = new InstanceState("", now, null, [], false);
        return Enter(empty, Definition.Start, "submit", null, facts, now, actorIsOwner: true);
    }

    public DecisionResult Decide(InstanceState state, RequestFacts facts, Actor actor, string decisionName, string? comment, DateTimeOffset now)
    {
        var step = _steps[state.Step];
        if (step.IsTerminal)
        {
            return DecisionResult.Fail(DecisionFailure.Finished, $"The request is finished ({step.Terminal}).");
        }

        var decision = FindDecision(step, decisionName);
        if (decision is null)
        {
            return DecisionResult.Fail(DecisionFailure.UnknownDecision,
                $"'{decisionName}' is not a decision of step '{step.Id}'; it takes: {string.Join(", ", step.Decisions.Select(d => d.Name))}.");
        }

        var permission = Permit(step, decision, state, facts, actor);
        if (permission.Failure is { } failure)
        {
            return DecisionResult.Fail(failure, permission.Message);
        }

        if (decision.CommentRequired && string.IsNullOrWhiteSpace(comment))
        {
            return DecisionResult.Fail(DecisionFailure.CommentRequired, $"'{decision.Name}' needs a comment giving the reasons.");
        }

        var actorIsOwner = actor.UserId == facts.OwnerId;
        if (decision.Vote && permission.Branch is not null)
        {
            var votes = new List<string>(state.Votes.Count + 1);
            votes.AddRange(state.Votes);
            votes.Add(permission.Branch);
            var complete = step.Parallel!.Mode == JoinMode.AnyOf || votes.Count == step.Parallel.Branches.Count;
            if (!complete)
            {
                return DecisionResult.Ok(Stay(state with { Votes = votes }, decision.Name, permission.Branch));
            }
        }

        var target = Resolve(decision, facts);
        if (target == state.Step)
        {
            return DecisionResult.Ok(Stay(state, decision.Name, permission.Branch));
        }

        return DecisionResult.Ok(Enter(state, target, decision.Name, permission.Branch, facts, now, actorIsOwner));
    }

    /// <summary>The decisions this actor may take now (comments aside).</summary>
    public IReadOnlyList<string> AllowedDecisions(InstanceState state, RequestFacts facts, Actor actor)
    {
        var step = _steps[state.Step];
        var allowed = new List<string>();
        foreach (var decision in step.Decisions)
        {
            if (Permit(step, decision, state, facts, actor).Failure is null)
            {
                allowed.Add(decision.Name);
            }
        }

        return allowed;
    }

    /// <summary>Whether the actor is named by the current step at all (as its actor, a branch, or a decision's 'by').</summary>
    public bool IsActorOf(InstanceState state, RequestFacts facts, Actor actor)
    {
        var step = _steps[state.Step];
        return step.Actors().Any(a => actor.Matches(a, facts)) || step.Decisions.Any(d => d.By is not null && actor.Matches(d.By, facts));
    }

    private static DecisionDefinition? FindDecision(StepDefinition step, string name)
    {
        foreach (var decision in step.Decisions)
        {
            if (decision.Name == name)
            {
                return decision;
            }
        }

        return null;
    }

    private static (DecisionFailure? Failure, string Message, string? Branch) Permit(
        StepDefinition step, DecisionDefinition decision, InstanceState state, RequestFacts facts, Actor actor)
    {
        var denied = (DecisionFailure.NotPermitted, $"You may not take '{decision.Name}' at step '{step.Id}'.", (string?)null);
        if (decision.By is not null)
        {
            return actor.Matches(decision.By, facts) ? (null, "", null) : denied;
        }

        if (step.Actor is not null)
        {
            return actor.Matches(step.Actor, facts) ? (null, "", null) : denied;
        }

        var matched = false;
        foreach (var branch in step.Parallel!.Branches)
        {
            if (!actor.Matches(branch.Actor, facts))
            {
                continue;
            }

            matched = true;
            if (!decision.Vote)
            {
                return (null, "", branch.Id);
            }

            if (!state.Votes.Contains(branch.Id))
            {
                return (null, "", branch.Id);
            }
        }

        return matched
            ? (DecisionFailure.AlreadyVoted, $"Your side has already voted at step '{step.Id}'.", null)
            : denied;
    }

    private static string Resolve(DecisionDefinition decision, RequestFacts facts)
    {
        if (decision.To is not null)
        {
            return decision.To;
        }

        foreach (var route in decision.Routes!)
        {
            if (route.When is null || Holds(route.When, facts))
            {
                return route.To;
            }
        }

        // The validator requires an unconditional last route.
        throw new InvalidOperationException("No route matched.");
    }

    private static bool Holds(Condition condition, RequestFacts facts)
    {
        var value = facts.Field(condition.Field);
        if (condition.EqualTo is not null)
        {
            return value == condition.EqualTo;
        }

        return condition.In is not null ? condition.In.Contains(value) : !condition.NotIn!.Contains(value);
    }

    private static Transition Stay(InstanceState state, string decision, string? branch) =>
        new(state, state.Step, decision, branch, Moved: false, Outcome: null, [], []);

    private Transition Enter(InstanceState from, string target, string decision, string? branch, RequestFacts facts, DateTimeOffset now, bool actorIsOwner)
    {
        var step = _steps[target];
        var notifications = new List<Notification>(4);

        // The owner hears of others' decisions, unless the step now waits on them: then the task says it all.
        if (!actorIsOwner && !step.Actors().Any(a => a.Scope == ActorScope.Owner))
        {
            notifications.Add(new Notification(NotificationKind.DecisionTaken, Owner));
        }

        if (step.IsTerminal)
        {
            return new Transition(new InstanceState(target, now, null, [], from.Transmitted), from.Step, decision, branch, true, step.Terminal, [], notifications);
        }

        var reachesReceiving = false;
        DateTimeOffset? due = null;
        var deadline = step.Deadline![facts.Priority];
        foreach (var actor in step.Actors())
        {
            reachesReceiving |= actor.Side == Side.Receiving;
            var candidate = _calendars.Due(facts.CountryOf(actor.Side), now, deadline);
            due = due is null || candidate < due ? candidate : due;
        }

        var transmitted = from.Transmitted || reachesReceiving;
        var kind = transmitted && !from.Transmitted ? NotificationKind.Transmitted : NotificationKind.TaskAssigned;
        foreach (var actor in step.Actors())
        {
            notifications.Add(new Notification(kind, actor));
        }

        var timers = new List<TimerRequest>((step.Reminders?.Count ?? 0) + 1);
        var allowed = due!.Value - now;
        foreach (var fraction in step.Reminders ?? [])
        {
            timers.Add(new TimerRequest(TimerKind.Reminder, target, now + allowed * fraction));
        }

        timers.Add(new TimerRequest(TimerKind.Deadline, target, due.Value));
        return new Transition(new InstanceState(target, now, due, [], transmitted), from.Step, decision, branch, true, null, timers, notifications);
    }
}
