using System.Text.Json.Nodes;
using JointOps.Engine.Calendars;
using JointOps.Engine.Definitions;
using JointOps.Engine.Runtime;

namespace JointOps.Engine.Tests;

/// <summary>The repository's own files, found from the test's output folder.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    public static string ReadWorkflow(string name) => File.ReadAllText(Path.Combine(Root, "workflows", $"{name}.json"));

    private static string FindRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "JointOps.sln")))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds JointOps.sln.");
    }
}

/// <summary>The definitions shipped in workflows/, loaded once through the real loader.</summary>
internal static class Shipped
{
    public static WorkflowDefinition MutualAssistance { get; } = Load("mutual-assistance");

    public static WorkflowDefinition UrgentRescue { get; } = Load("urgent-rescue");

    public static WorkflowDefinition Load(string name)
    {
        var result = DefinitionLoader.Load(Repository.ReadWorkflow(name));
        return result.IsValid
            ? result.Definition!
            : throw new InvalidOperationException($"{name}: {string.Join("; ", result.Errors)}");
    }
}

internal static class Clock
{
    public static readonly TimeSpan Seoul = TimeSpan.FromHours(9);
    public static readonly TimeSpan PhnomPenh = TimeSpan.FromHours(7);

    /// <summary>Monday 3 November 2025: 09:00 in Seoul, 07:00 in Phnom Penh.</summary>
    public static readonly DateTimeOffset MondayMorning = new(2025, 11, 3, 0, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset InSeoul(int month, int day, int hour, int minute = 0) => new(2025, month, day, hour, minute, 0, Seoul);

    public static DateTimeOffset InPhnomPenh(int month, int day, int hour, int minute = 0) => new(2025, month, day, hour, minute, 0, PhnomPenh);
}

internal static class Calendars
{
    /// <summary>Weekends only, no public holidays.</summary>
    public static readonly CalendarSet Plain = CalendarSet.Default();

    /// <summary>Autumn 2025: Chuseok and Hangeul Day in Korea, the Water Festival and Independence Day in Cambodia.</summary>
    public static readonly CalendarSet WithHolidays = CalendarSet.Default(new Dictionary<string, IReadOnlySet<DateOnly>>
    {
        ["KR"] = new HashSet<DateOnly> { new(2025, 10, 3), new(2025, 10, 6), new(2025, 10, 7), new(2025, 10, 8), new(2025, 10, 9), new(2025, 12, 25) },
        ["KH"] = new HashSet<DateOnly> { new(2025, 11, 4), new(2025, 11, 5), new(2025, 11, 6), new(2025, 11, 9) },
    });
}

/// <summary>
/// The people around one request: the requesting country's officer (the owner), supervisor and central authority,
/// the receiving country's liaison, approver and executing unit, and a few who must not be able to act.
/// </summary>
internal sealed record Cast(string Requesting, string Receiving)
{
    public static readonly Cast KrToKh = new("KR", "KH");
    public static readonly Cast KhToKr = new("KH", "KR");

    public static Cast From(string requesting) => requesting == "KR" ? KrToKh : KhToKr;

    public string OwnerUnit => $"{Requesting.ToLowerInvariant()}-cyber-crime";

    public Actor Officer => new("officer-owner", Requesting, ["Officer"], OwnerUnit);
    public Actor OtherOfficer => new("officer-other", Requesting, ["Officer"], OwnerUnit);
    public Actor Supervisor => new("supervisor", Requesting, ["Supervisor"], OwnerUnit);
    public Actor OtherUnitSupervisor => new("supervisor-other-unit", Requesting, ["Supervisor"], "fraud");
    public Actor CentralAuthority => new("central-authority", Requesting, ["CentralAuthority"], "central");
    public Actor OtherCentralAuthority => new("central-authority-2", Requesting, ["CentralAuthority"], "central");
    public Actor Liaison => new("liaison", Receiving, ["Liaison"], "desk");
    public Actor Approver => new("approver", Receiving, ["Approver"], "commissariat");
    public Actor OtherApprover => new("approver-2", Receiving, ["Approver"], "commissariat");
    public Actor ExecutingUnit => new("executing-unit", Receiving, ["ExecutingUnit"], "quick-reaction");

    // The right roles in the wrong country.
    public Actor RequestingApprover => new("approver-requesting-side", Requesting, ["Approver"], "commissariat");
    public Actor RequestingLiaison => new("liaison-requesting-side", Requesting, ["Liaison"], "embassy");
    public Actor ReceivingSupervisor => new("supervisor-receiving-side", Receiving, ["Supervisor"], OwnerUnit);
    public Actor ReceivingCentralAuthority => new("central-authority-receiving-side", Receiving, ["CentralAuthority"], "central");
    public Actor Auditor => new("auditor", Requesting, ["Auditor"], "inspection");

    public Actor this[string key] => key switch
    {
        "officer" => Officer,
        "other-officer" => OtherOfficer,
        "supervisor" => Supervisor,
        "other-unit-supervisor" => OtherUnitSupervisor,
        "central-authority" => CentralAuthority,
        "liaison" => Liaison,
        "approver" => Approver,
        "executing-unit" => ExecutingUnit,
        "requesting-approver" => RequestingApprover,
        "requesting-liaison" => RequestingLiaison,
        "receiving-supervisor" => ReceivingSupervisor,
        "receiving-central-authority" => ReceivingCentralAuthority,
        "auditor" => Auditor,
        _ => throw new ArgumentOutOfRangeException(nameof(key), key, "No such member of the cast."),
    };

    public RequestFacts Facts(string priority = "normal", string type = "evidence-exchange") =>
        new(Requesting, Receiving, Officer.UserId, OwnerUnit, type, priority);
}

/// <summary>Who the engine notifies, as the definitions name them.</summary>
internal static class Spec
{
    public static readonly ActorSpec Owner = new() { Role = "Officer", Side = Side.Requesting, Scope = ActorScope.Owner };
    public static readonly ActorSpec UnitSupervisor = new() { Role = "Supervisor", Side = Side.Requesting, Scope = ActorScope.Unit };
    public static readonly ActorSpec CentralAuthority = new() { Role = "CentralAuthority", Side = Side.Requesting };
    public static readonly ActorSpec Liaison = new() { Role = "Liaison", Side = Side.Receiving };
    public static readonly ActorSpec Approver = new() { Role = "Approver", Side = Side.Receiving };
    public static readonly ActorSpec ExecutingUnit = new() { Role = "ExecutingUnit", Side = Side.Receiving };
}

/// <summary>One request driven through a runtime: it keeps the state and the clock between decisions.</summary>
internal sealed class RequestRun
{
    public RequestRun(WorkflowDefinition definition, RequestFacts facts, DateTimeOffset? submittedAt = null, CalendarSet? calendars = null)
    {
        Runtime = new WorkflowRuntime(definition, calendars ?? Calendars.Plain);
        Facts = facts;
        Now = submittedAt ?? Clock.MondayMorning;
        Last = Runtime.Start(facts, Now);
        State = Last.State;
    }

    public WorkflowRuntime Runtime { get; }
    public RequestFacts Facts { get; }
    public DateTimeOffset Now { get; private set; }
    public InstanceState State { get; private set; }
    public Transition Last { get; private set; }

    /// <summary>Takes a decision that must succeed.</summary>
    public Transition Take(Actor actor, string decision, string? comment = "Reasons given.")
    {
        var result = Runtime.Decide(State, Facts, actor, decision, comment, Now);
        Assert.True(result.Failure is null, $"'{decision}' by {actor.UserId} at '{State.Step}' failed: {result.Failure} {result.Message}");
        Last = result.Transition!;
        State = Last.State;
        return Last;
    }

    /// <summary>Attempts a decision without requiring success; the state is kept only if it succeeds.</summary>
    public DecisionResult Try(Actor actor, string decision, string? comment = "Reasons given.")
    {
        var result = Runtime.Decide(State, Facts, actor, decision, comment, Now);
        if (result.Transition is { } transition)
        {
            Last = transition;
            State = transition.State;
        }

        return result;
    }

    public string Allowed(Actor actor) => string.Join(",", Runtime.AllowedDecisions(State, Facts, actor));

    public RequestRun Wait(TimeSpan time)
    {
        Now += time;
        return this;
    }
}

/// <summary>A small valid definition as JSON, changed by each validation test to break one rule.</summary>
internal static class MinimalDefinition
{
    public const string Json = """
        {
          "name": "minimal",
          "version": 1,
          "title": "Minimal",
          "start": "review",
          "steps": [
            {
              "id": "review",
              "title": "Review",
              "actor": { "role": "Supervisor", "side": "requesting", "scope": "unit" },
              "deadline": {
                "normal": { "duration": "P2D", "time": "working" },
                "urgent": { "duration": "PT8H" },
                "critical": { "duration": "PT1H", "time": "calendar" }
              },
              "reminders": [0.5, 0.8],
              "escalation": { "to": { "role": "CentralAuthority", "side": "requesting" }, "every": "PT4H" },
              "decisions": [
                { "name": "approve", "to": "done" },
                { "name": "reject", "to": "rejected", "commentRequired": true }
              ]
            },
            { "id": "done", "title": "Done", "terminal": "completed" },
            { "id": "rejected", "title": "Rejected", "terminal": "rejected" }
          ]
        }
        """;

    public static JsonObject Node() => JsonNode.Parse(Json)!.AsObject();

    public static JsonObject Step(this JsonObject definition, int index) => definition["steps"]![index]!.AsObject();

    public static JsonObject Decision(this JsonObject definition, int step, int index) => definition.Step(step)["decisions"]![index]!.AsObject();

    /// <summary>The errors reported for the minimal definition after <paramref name="change"/>.</summary>
    public static IReadOnlyList<DefinitionError> ErrorsAfter(Action<JsonObject> change)
    {
        var definition = Node();
        change(definition);
        var result = DefinitionLoader.Load(definition.ToJsonString());
        Assert.Null(result.Definition);
        return result.Errors;
    }
}
