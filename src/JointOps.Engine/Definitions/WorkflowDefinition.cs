namespace JointOps.Engine.Definitions;

/// <summary>A versioned workflow definition, as stored in <c>workflows/*.json</c>.</summary>
public sealed record WorkflowDefinition
{
    /// <summary>The JSON Schema the file points editors at; ignored by the engine.</summary>
    [System.Text.Json.Serialization.JsonPropertyName("$schema")]
    public string? Schema { get; init; }

    public string Name { get; init; } = "";
    public int Version { get; init; }
    public string Title { get; init; } = "";
    public string Start { get; init; } = "";
    public IReadOnlyList<StepDefinition> Steps { get; init; } = [];

    public StepDefinition? FindStep(string id)
    {
        foreach (var step in Steps)
        {
            if (step.Id == id)
            {
                return step;
            }
        }

        return null;
    }
}

public sealed record StepDefinition
{
    public string Id { get; init; } = "";
    public string Title { get; init; } = "";

    /// <summary>Who acts on an ordinary step. Null on terminal and parallel steps.</summary>
    public ActorSpec? Actor { get; init; }

    /// <summary>Branches acting side by side; the step completes by the join mode.</summary>
    public ParallelSpec? Parallel { get; init; }

    public IReadOnlyList<DecisionDefinition> Decisions { get; init; } = [];

    /// <summary>Deadline per priority (normal, urgent, critical).</summary>
    public IReadOnlyDictionary<string, DeadlineSpec>? Deadline { get; init; }

    /// <summary>Fractions of the allowed time at which reminders go out.</summary>
    public IReadOnlyList<double>? Reminders { get; init; }

    public EscalationSpec? Escalation { get; init; }

    /// <summary>The request's fields may be edited while it waits here (amendment, further information).</summary>
    public bool Editable { get; init; }

    /// <summary>Set on terminal steps: the request's outcome (completed, rejected, refused, withdrawn).</summary>
    public string? Terminal { get; init; }

    public bool IsTerminal => Terminal is not null;

    /// <summary>Every actor of the step: the step's own or each branch's.</summary>
    public IEnumerable<ActorSpec> Actors() => ActorsWithBranches().Select(a => a.Actor);

    /// <summary>Every actor of the step with the branch it acts for (null for the step's own actor).</summary>
    public IEnumerable<(ActorSpec Actor, string? Branch)> ActorsWithBranches()
    {
        if (Actor is not null)
        {
            yield return (Actor, null);
        }

        foreach (var branch in Parallel?.Branches ?? [])
        {
            yield return (branch.Actor, branch.Id);
        }
    }
}

/// <summary>Which users may act: a role on one side, optionally narrowed to the request's owner or unit.</summary>
public sealed record ActorSpec
{
    public string Role { get; init; } = "";

    // Always written: "requesting" is the default value, but a reader should never have to know that.
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)]
    public Side Side { get; init; }
    public ActorScope Scope { get; init; } = ActorScope.Country;
}

public enum Side
{
    Requesting,
    Receiving,
}

public enum ActorScope
{
    /// <summary>Anyone with the role in the side's country.</summary>
    Country,

    /// <summary>Only users of the request's unit (its requesting unit).</summary>
    Unit,

    /// <summary>Only the officer who created the request.</summary>
    Owner,
}

public sealed record ParallelSpec
{
    public JoinMode Mode { get; init; }
    public IReadOnlyList<BranchDefinition> Branches { get; init; } = [];
}

public enum JoinMode
{
    AllOf,
    AnyOf,
}

public sealed record BranchDefinition
{
    public string Id { get; init; } = "";
    public ActorSpec Actor { get; init; } = new();
}

public sealed record DecisionDefinition
{
    public string Name { get; init; } = "";

    /// <summary>The target step, when the decision always leads to one place.</summary>
    public string? To { get; init; }

    /// <summary>Conditional targets, tried in order; the last may have no condition.</summary>
    public IReadOnlyList<RouteDefinition>? Routes { get; init; }

    /// <summary>Someone other than the step's actor who may take this decision (e.g. the owner withdrawing).</summary>
    public ActorSpec? By { get; init; }

    /// <summary>On a parallel step: a branch's vote; the step moves on when the join mode is met.</summary>
    public bool Vote { get; init; }

    public bool CommentRequired { get; init; }

    public IEnumerable<string> Targets()
    {
        if (To is not null)
        {
            yield return To;
        }

        foreach (var route in Routes ?? [])
        {
            yield return route.To;
        }
    }
}

public sealed record RouteDefinition
{
    public Condition? When { get; init; }
    public string To { get; init; } = "";
}

/// <summary>A declarative condition on a request field: equals one value, or is one of several.</summary>
public sealed record Condition
{
    public string Field { get; init; } = "";
    public string? EqualTo { get; init; }
    public IReadOnlyList<string>? In { get; init; }
    public IReadOnlyList<string>? NotIn { get; init; }
}

public sealed record DeadlineSpec
{
    /// <summary>ISO-8601 duration, e.g. P30D or PT8H.</summary>
    public string Duration { get; init; } = "";
    public TimeBasis Time { get; init; } = TimeBasis.Calendar;
}

public enum TimeBasis
{
    Calendar,
    Working,
}

public sealed record EscalationSpec
{
    public ActorSpec To { get; init; } = new();

    /// <summary>ISO-8601 duration between repeated escalations while nobody acts.</summary>
    public string? Every { get; init; }
}
