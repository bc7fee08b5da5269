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
    private static readonly Notification OwnerHearsOfDecision = new(NotificationKind.DecisionTaken, Owner);

    private readonly Dictionary<string, StepPlan> _steps;
    private readonly CalendarSet _calendars;

    public WorkflowRuntime(WorkflowDefinition definition, CalendarSet calendars)
    {
        Definition = definition;
        _calendars = calendars;
        _steps = definition.Steps.ToDictionary(s => s.Id, s => new StepPlan(s), StringComparer.Ordinal);
        Participants = definition.Steps
            .SelectMany(s => s.Actors().Concat(s.Decisions.Where(d => d.By is not null).Select(d => d.By!)))
            .Concat(definition.Steps.Where(s => s.Escalation is not null).Select(s => s.Escalation!.To))
            .Distinct()
            .ToArray();
    }

    public WorkflowDefinition Definition { get; }

    /// <summary>Every actor the definition names anywhere: who may see a request (receiving side once transmitted).</summary>
    public IReadOnlyList<ActorSpec> Participants { get; }

    public StepDefinition Step(string id) => _steps[id].Step;

    /// <summary>Submission: the request enters the start step.</summary>
    public Transition Start(RequestFacts facts, DateTimeOffset now)
    {
        var empty = new InstanceState("", now, null, [], false);
        return Enter(empty, Definition.Start, "submit", null, facts, now, actorIsOwner: true);
    }

    public DecisionResult Decide(InstanceState state, RequestFacts facts, Actor actor, string decisionName, string? comment, DateTimeOffset now)
    {
        var plan = _steps[state.Step];
        var step = plan.Step;
        if (step.IsTerminal)
        {
            return DecisionResult.Fail(DecisionFailure.Finished, $"The request is finished ({step.Terminal}).");
        }

        var decision = FindDecision(plan, decisionName);
        if (decision is null)
        {
            return DecisionResult.Fail(DecisionFailure.UnknownDecision,
                $"'{decisionName}' is not a decision of step '{step.Id}'; it takes: {string.Join(", ", step.Decisions.Select(d => d.Name))}.");
        }

        var permission = Permit(plan, decision, state, facts, actor);
        if (permission.Failure is { } failure)
        {
            return DecisionResult.Fail(failure, failure == DecisionFailure.AlreadyVoted
                ? $"Your side has already voted at step '{step.Id}'."
                : $"You may not take '{decision.Name}' at step '{step.Id}'.");
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
        var plan = _steps[state.Step];
        var allowed = new List<string>(plan.Decisions.Length);
        foreach (var decision in plan.Decisions)
        {
            if (Permit(plan, decision, state, facts, actor).Failure is null)
            {
                allowed.Add(decision.Name);
            }
        }

        return allowed;
    }

    /// <summary>Whether the actor is named by the current step at all (as its actor, a branch, or a decision's 'by').</summary>
    public bool IsActorOf(InstanceState state, RequestFacts facts, Actor actor)
    {
        var plan = _steps[state.Step];
        foreach (var spec in plan.Actors)
        {
            if (actor.Matches(spec, facts))
            {
                return true;
            }
        }

        foreach (var decision in plan.Decisions)
        {
            if (decision.By is not null && actor.Matches(decision.By, facts))
            {
                return true;
            }
        }

        return false;
    }

    private static DecisionDefinition? FindDecision(StepPlan plan, string name)
    {
        foreach (var decision in plan.Decisions)
        {
            if (decision.Name == name)
            {
                return decision;
            }
        }

        return null;
    }

    // No message here: AllowedDecisions asks about every decision and would build one for each it refuses.
    private static (DecisionFailure? Failure, string? Branch) Permit(
        StepPlan plan, DecisionDefinition decision, InstanceState state, RequestFacts facts, Actor actor)
    {
        if (decision.By is not null)
        {
            return actor.Matches(decision.By, facts) ? (null, null) : (DecisionFailure.NotPermitted, null);
        }

        var step = plan.Step;
        if (step.Actor is not null)
        {
            return actor.Matches(step.Actor, facts) ? (null, null) : (DecisionFailure.NotPermitted, null);
        }

        var matched = false;
        foreach (var branch in plan.Branches)
        {
            if (!actor.Matches(branch.Actor, facts))
            {
                continue;
            }

            matched = true;
            if (!decision.Vote)
            {
                return (null, branch.Id);
            }

            if (!state.Votes.Contains(branch.Id))
            {
                return (null, branch.Id);
            }
        }

        return (matched ? DecisionFailure.AlreadyVoted : DecisionFailure.NotPermitted, null);
    }

    private static string Resolve(DecisionDefinition decision, RequestFacts facts)
    {
        if (decision.To is not null)
        {
            return decision.To;
        }

        var routes = decision.Routes!;
        for (var i = 0; i < routes.Count; i++)
        {
            if (routes[i].When is not { } when || Holds(when, facts))
            {
                return routes[i].To;
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
        var plan = _steps[target];

        // The owner hears of others' decisions, unless the step now waits on them: then the task says it all.
        var ownerHears = !actorIsOwner && !plan.WaitsOnOwner;
        if (plan.Step.IsTerminal)
        {
            return new Transition(new InstanceState(target, now, null, [], from.Transmitted), from.Step, decision, branch, true, plan.Step.Terminal,
                [], plan.Notifications(ownerHears, NotificationKind.TaskAssigned));
        }

        DateTimeOffset? due = null;
        var deadline = plan.Deadline(facts.Priority);
        foreach (var actor in plan.Actors)
        {
            var country = facts.CountryOf(actor.Side);
            var candidate = deadline.Duration is { } duration
                ? _calendars.Due(country, now, duration, deadline.Spec.Time)
                : _calendars.Due(country, now, deadline.Spec);
            due = due is null || candidate < due ? candidate : due;
        }

        var transmitted = from.Transmitted || plan.ReachesReceiving;
        var kind = transmitted && !from.Transmitted ? NotificationKind.Transmitted : NotificationKind.TaskAssigned;
        return new Transition(new InstanceState(target, now, due, [], transmitted), from.Step, decision, branch, true, null,
            Timers(plan, target, now, due!.Value), plan.Notifications(ownerHears, kind));
    }

    /// <summary>
    /// The timer that follows one fired during a visit to a step: the visit's next reminder, or its deadline; none after
    /// the deadline. A store may set a visit's timers one at a time, each firing setting the next, from this alone.
    /// </summary>
    public TimerRequest? NextTimer(InstanceState state, TimerKind fired, DateTimeOffset firedDueAt)
    {
        if (fired != TimerKind.Reminder || state.DueAt is not { } due || !_steps.TryGetValue(state.Step, out var plan))
        {
            return null;
        }

        // A store may keep times coarser than ticks (PostgreSQL keeps microseconds): the fired reminder, recomputed,
        // must not come back as its own successor.
        var after = firedDueAt + TimeSpan.FromMilliseconds(1);
        return Timers(plan, state.Step, state.EnteredAt, due).First(t => t.Kind == TimerKind.Deadline || t.DueAt > after);
    }

    /// <summary>A visit's timers in the order they fall due: the reminders (fractions of the time allowed), then the deadline.</summary>
    private static TimerRequest[] Timers(StepPlan plan, string step, DateTimeOffset enteredAt, DateTimeOffset due)
    {
        var timers = new TimerRequest[plan.Reminders.Length + 1];
        var allowed = due - enteredAt;
        for (var i = 0; i < plan.Reminders.Length; i++)
        {
            timers[i] = new TimerRequest(TimerKind.Reminder, step, enteredAt + allowed * plan.Reminders[i]);
        }

        timers[^1] = new TimerRequest(TimerKind.Deadline, step, due);
        return timers;
    }

    /// <summary>
    /// What deciding at a step and entering it need, worked out once per definition instead of on every decision:
    /// the step's actors, its parsed deadlines and the notifications its entry sends (shared, hence read-only).
    /// </summary>
    private sealed class StepPlan
    {
        private readonly Dictionary<string, ParsedDeadline> _deadlines;
        private readonly IReadOnlyList<Notification>[] _notifications;

        public StepPlan(StepDefinition step)
        {
            Step = step;
            Actors = [.. step.Actors()];
            Branches = [.. step.Parallel?.Branches ?? []];
            Decisions = [.. step.Decisions];
            // In the order they fall due (each fraction is under 1, so all before the deadline); one reminder per fraction.
            Reminders = [.. (step.Reminders ?? []).Distinct().Order()];
            WaitsOnOwner = Actors.Any(a => a.Scope == ActorScope.Owner);
            ReachesReceiving = Actors.Any(a => a.Side == Side.Receiving);

            // A duration that does not parse stays null, so the calendar reports it as it always has, at the first deadline.
            _deadlines = (step.Deadline ?? new Dictionary<string, DeadlineSpec>()).ToDictionary(
                p => p.Key,
                p => new ParsedDeadline(p.Value, DefinitionValidator.TryParseDuration(p.Value.Duration, out var duration) ? duration : null),
                StringComparer.Ordinal);

            _notifications = new IReadOnlyList<Notification>[4];
            foreach (var kind in (ReadOnlySpan<NotificationKind>)[NotificationKind.TaskAssigned, NotificationKind.Transmitted])
            {
                var toActors = Actors.Select(a => new Notification(kind, a)).ToArray();
                _notifications[Slot(ownerHears: false, kind)] = Array.AsReadOnly(toActors);
                _notifications[Slot(ownerHears: true, kind)] = Array.AsReadOnly<Notification>([OwnerHearsOfDecision, .. toActors]);
            }
        }

        public StepDefinition Step { get; }
        public ActorSpec[] Actors { get; }
        public BranchDefinition[] Branches { get; }
        public DecisionDefinition[] Decisions { get; }
        public double[] Reminders { get; }

        /// <summary>One of the step's actors is the owner: a task reaches them anyway.</summary>
        public bool WaitsOnOwner { get; }

        public bool ReachesReceiving { get; }

        public ParsedDeadline Deadline(string priority) => _deadlines[priority];

        public IReadOnlyList<Notification> Notifications(bool ownerHears, NotificationKind kind) => _notifications[Slot(ownerHears, kind)];

        private static int Slot(bool ownerHears, NotificationKind kind) => (ownerHears ? 2 : 0) + (kind == NotificationKind.Transmitted ? 1 : 0);
    }

    private readonly record struct ParsedDeadline(DeadlineSpec Spec, TimeSpan? Duration);
}
