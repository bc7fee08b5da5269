using JointOps.Engine.Calendars;
using JointOps.Engine.Definitions;
using JointOps.Engine.Runtime;

namespace JointOps.Bench;

/// <summary>
/// What every benchmark works on, built once: the shipped definitions and calendars read from the repository, a
/// Korean request to Cambodia at supervisor-review, and its unit's supervisor.
/// </summary>
public sealed class Scenario
{
    /// <summary>Wednesday 5 November 2025, 10:00 in Seoul: the next step's working-day deadline crosses a weekend.</summary>
    public static readonly DateTimeOffset SubmittedAt = new(2025, 11, 5, 10, 0, 0, TimeSpan.FromHours(9));

    public Scenario()
    {
        var root = RepositoryRoot();
        MutualAssistanceJson = File.ReadAllText(Path.Combine(root, "workflows", "mutual-assistance.json"));
        LargeJson = LargeDefinition.Json();
        Calendars = CalendarSet.Load(Directory.GetFiles(Path.Combine(root, "calendars"), "*.json")
            .Order(StringComparer.Ordinal)
            .Select(f => new CalendarSource(Path.GetFileName(f), File.ReadAllText(f))));

        var loaded = DefinitionLoader.Load(MutualAssistanceJson);
        Runtime = new WorkflowRuntime(loaded.Definition ?? throw Invalid("mutual-assistance", loaded), Calendars);
        var large = DefinitionLoader.Load(LargeJson);
        if (!large.IsValid)
        {
            throw Invalid("the generated 200-step definition", large);
        }

        Facts = new RequestFacts("KR", "KH", "officer-owner", "kr-cyber-crime", "evidence-exchange", "normal");
        Supervisor = new Actor("supervisor", "KR", ["Supervisor"], "kr-cyber-crime");
        State = Runtime.Start(Facts, SubmittedAt).State;
        DecidedAt = SubmittedAt.AddHours(3);
    }

    public string MutualAssistanceJson { get; }
    public string LargeJson { get; }
    public CalendarSet Calendars { get; }
    public WorkflowRuntime Runtime { get; }
    public RequestFacts Facts { get; }
    public Actor Supervisor { get; }

    /// <summary>The request just submitted: at supervisor-review, with its timers set.</summary>
    public InstanceState State { get; }

    public DateTimeOffset DecidedAt { get; }

    /// <summary>The supervisor approves: supervisor-review to central-authority (5 working days, reminders, notifications).</summary>
    public DecisionResult Approve() => Runtime.Decide(State, Facts, Supervisor, "approve", null, DecidedAt);

    public IReadOnlyList<string> AllowedDecisions() => Runtime.AllowedDecisions(State, Facts, Supervisor);

    public bool IsActorOf() => Runtime.IsActorOf(State, Facts, Supervisor);

    public LoadResult LoadMutualAssistance() => DefinitionLoader.Load(MutualAssistanceJson);

    public LoadResult LoadLarge() => DefinitionLoader.Load(LargeJson);

    private static InvalidOperationException Invalid(string what, LoadResult result) =>
        new($"{what} is invalid: {string.Join("; ", result.Errors)}");

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "JointOps.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds JointOps.sln.");
    }
}
