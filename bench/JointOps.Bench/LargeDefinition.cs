using System.Globalization;
using JointOps.Engine.Definitions;

namespace JointOps.Bench;

/// <summary>
/// A valid definition at the validator's cap of steps, shaped like the shipped ones: every non-terminal step has
/// deadlines per priority, reminders, an escalation, conditional routes, a way back, rejection and withdrawal by the
/// owner; every tenth step is a parallel vote of both sides.
/// </summary>
public static class LargeDefinition
{
    private static readonly ActorSpec OwnerSpec = new() { Role = "Officer", Side = Side.Requesting, Scope = ActorScope.Owner };

    private static readonly ActorSpec[] Actors =
    [
        new() { Role = "Supervisor", Side = Side.Requesting, Scope = ActorScope.Unit },
        new() { Role = "CentralAuthority", Side = Side.Requesting },
        new() { Role = "Liaison", Side = Side.Receiving },
        new() { Role = "Approver", Side = Side.Receiving },
        new() { Role = "ExecutingUnit", Side = Side.Receiving },
        OwnerSpec,
    ];

    private static readonly string[] Terminals = ["closed", "rejected", "refused", "withdrawn"];

    /// <summary>The validator's cap.</summary>
    public const int Steps = 200;

    /// <summary>The definition as JSON, written by the engine's own serializer (indented, like the shipped files).</summary>
    public static string Json(int steps = Steps) => DefinitionLoader.Serialize(Create(steps));

    public static WorkflowDefinition Create(int steps = Steps)
    {
        var working = steps - Terminals.Length;
        var list = new List<StepDefinition>(steps);
        for (var i = 0; i < working; i++)
        {
            list.Add(i % 10 == 9 ? ParallelStep(i, working) : OrdinaryStep(i, working));
        }

        list.AddRange(Terminals.Select(t => new StepDefinition
        {
            Id = t,
            Title = CultureInfo.InvariantCulture.TextInfo.ToTitleCase(t),
            Terminal = t == "closed" ? "completed" : t,
        }));

        return new WorkflowDefinition { Name = "large-bench", Version = 1, Title = $"{steps} steps", Start = Id(0), Steps = list };
    }

    private static string Id(int i) => $"step-{i:000}";

    private static string Next(int i, int working, int by = 1) => i + by < working ? Id(i + by) : "closed";

    private static StepDefinition OrdinaryStep(int i, int working)
    {
        var actor = Actors[i % Actors.Length];
        var decisions = new List<DecisionDefinition>
        {
            new()
            {
                Name = "approve",
                Routes =
                [
                    new() { When = new Condition { Field = "priority", EqualTo = "critical" }, To = Next(i, working, 2) },
                    new() { When = new Condition { Field = "type", In = ["evidence-exchange", "asset-tracing"] }, To = Next(i, working) },
                    new() { When = new Condition { Field = "receivingCountry", NotIn = ["KH"] }, To = Next(i, working) },
                    new() { To = Next(i, working) },
                ],
            },
            new() { Name = "reject", To = "rejected", CommentRequired = true },
        };
        if (i > 0)
        {
            decisions.Add(new() { Name = "return", To = Id(i - 1), CommentRequired = true });
        }

        if (actor.Side == Side.Receiving)
        {
            decisions.Add(new() { Name = "refuse", To = "refused", CommentRequired = true });
        }

        if (i % 7 == 0)
        {
            decisions.Add(new() { Name = "add-note", To = Id(i) });
        }

        if (actor.Scope != ActorScope.Owner)
        {
            decisions.Add(new() { Name = "withdraw", To = "withdrawn", By = OwnerSpec, CommentRequired = true });
        }

        return Timed(i, actor.Side) with
        {
            Id = Id(i),
            Title = $"Step {i}",
            Actor = actor,
            Editable = actor.Scope == ActorScope.Owner,
            Decisions = decisions,
        };
    }

    private static StepDefinition ParallelStep(int i, int working) => Timed(i, Side.Requesting) with
    {
        Id = Id(i),
        Title = $"Joint approval {i}",
        Parallel = new ParallelSpec
        {
            Mode = i % 20 == 9 ? JoinMode.AllOf : JoinMode.AnyOf,
            Branches =
            [
                new() { Id = "requesting", Actor = new() { Role = "CentralAuthority", Side = Side.Requesting } },
                new() { Id = "receiving", Actor = new() { Role = "Approver", Side = Side.Receiving } },
            ],
        },
        Decisions =
        [
            new() { Name = "approve", To = Next(i, working), Vote = true },
            new() { Name = "reject", To = "rejected", CommentRequired = true },
            new() { Name = "withdraw", To = "withdrawn", By = OwnerSpec, CommentRequired = true },
        ],
    };

    /// <summary>Deadlines per priority (working days on the requesting side), reminders and an escalation.</summary>
    private static StepDefinition Timed(int i, Side side) => new()
    {
        Deadline = new Dictionary<string, DeadlineSpec>
        {
            ["normal"] = new() { Duration = $"P{2 + (i % 10)}D", Time = side == Side.Requesting ? TimeBasis.Working : TimeBasis.Calendar },
            ["urgent"] = new() { Duration = $"PT{8 + (i % 16)}H" },
            ["critical"] = new() { Duration = $"PT{1 + (i % 4)}H30M" },
        },
        Reminders = i % 3 == 0 ? [0.25, 0.5, 0.75] : [0.5, 0.8],
        Escalation = new EscalationSpec { To = new() { Role = "CentralAuthority", Side = Side.Requesting }, Every = "PT4H" },
    };
}
