using JointOps.Engine.Definitions;

namespace JointOps.Engine.Runtime;

/// <summary>The request fields the engine needs: who asks whom, whose it is, and what conditions test.</summary>
public sealed record RequestFacts(string RequestingCountry, string ReceivingCountry, string OwnerId, string Unit, string Type, string Priority)
{
    public string CountryOf(Side side) => side == Side.Requesting ? RequestingCountry : ReceivingCountry;

    public string? Field(string name) => name switch
    {
        "priority" => Priority,
        "type" => Type,
        "requestingCountry" => RequestingCountry,
        "receivingCountry" => ReceivingCountry,
        _ => null,
    };
}

/// <summary>The user acting: their country (KR or KH), roles and unit.</summary>
public sealed record Actor(string UserId, string Country, IReadOnlyCollection<string> Roles, string Unit)
{
    public bool Matches(ActorSpec spec, RequestFacts facts) =>
        Roles.Contains(spec.Role)
        && Country == facts.CountryOf(spec.Side)
        && spec.Scope switch
        {
            ActorScope.Owner => UserId == facts.OwnerId,
            ActorScope.Unit => Unit == facts.Unit,
            _ => true,
        };
}

/// <summary>Where a running request stands: its step, since when, until when, and the branch votes cast there.</summary>
public sealed record InstanceState(string Step, DateTimeOffset EnteredAt, DateTimeOffset? DueAt, IReadOnlyList<string> Votes, bool Transmitted);

public enum TimerKind
{
    Reminder,
    Deadline,
}

/// <summary>
/// A timer of the step just entered (<see cref="Transition.Timers"/> lists them in the order they fall due); the step's
/// timers are cancelled whenever it is left.
/// </summary>
public sealed record TimerRequest(TimerKind Kind, string Step, DateTimeOffset DueAt);

public enum NotificationKind
{
    TaskAssigned,
    Transmitted,
    DecisionTaken,
}

/// <summary>Tell the users matching <see cref="Recipients"/> about what happened.</summary>
public sealed record Notification(NotificationKind Kind, ActorSpec Recipients);

public sealed record Transition(
    InstanceState State,
    string FromStep,
    string Decision,
    string? Branch,
    bool Moved,
    string? Outcome,
    IReadOnlyList<TimerRequest> Timers,
    IReadOnlyList<Notification> Notifications);

public enum DecisionFailure
{
    Finished,
    UnknownDecision,
    NotPermitted,
    AlreadyVoted,
    CommentRequired,
}

public readonly record struct DecisionResult(Transition? Transition, DecisionFailure? Failure, string Message)
{
    public static DecisionResult Ok(Transition transition) => new(transition, null, "");
    public static DecisionResult Fail(DecisionFailure failure, string message) => new(null, failure, message);
}
