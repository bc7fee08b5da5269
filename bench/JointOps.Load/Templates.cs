using JointOps.Engine.Definitions;
using JointOps.Engine.Runtime;

namespace JointOps.Load;

/// <summary>One decision of a template: the engine's transition, who took it (by role, side and scope) and when.</summary>
public sealed record TemplateDecision(Transition Transition, ActorSpec By, string? Comment, DateTimeOffset At);

/// <summary>
/// A request's life through a shipped workflow, played once by the engine at <see cref="Templates.Origin"/> for one
/// country and priority; the seeder shifts it in time for each request it writes, so every row is one the server
/// could have written (states, votes, transmission, deadlines and timers come from the engine, not from the seeder).
/// </summary>
public sealed record Template(string Path, WorkflowRuntime Runtime, Transition Start, IReadOnlyList<TemplateDecision> Decisions)
{
    public InstanceState State => Decisions.Count > 0 ? Decisions[^1].Transition.State : Start.State;

    public string? Outcome => Decisions.Count > 0 ? Decisions[^1].Transition.Outcome : null;

    public bool Open => Outcome is null;

    public bool Transmitted => Start.State.Transmitted || Decisions.Any(d => d.Transition.State.Transmitted);

    public DateTimeOffset LastAt => Decisions.Count > 0 ? Decisions[^1].At : Start.State.EnteredAt;

    /// <summary>
    /// The pending timer of the step the request waits at: the first set by the last transition that moved (each timer
    /// sets the next when it fires).
    /// </summary>
    public IReadOnlyList<TimerRequest> PendingTimers =>
        !Open ? [] : [.. (Decisions.LastOrDefault(d => d.Transition.Moved)?.Transition.Timers ?? Start.Timers).Take(1)];
}

public static class Templates
{
    /// <summary>A Monday; templates are played from here and shifted.</summary>
    public static readonly DateTimeOffset Origin = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    public const string OwnerId = "template-owner";
    public const string Unit = "template-unit";

    /// <summary>
    /// Paths through mutual-assistance by decision names, with their weights: 80% finished (5 years of history), the rest
    /// waiting at every non-terminal step. A decision the current step does not offer is skipped (critical requests go
    /// from supervisor-review straight to acknowledgement).
    /// </summary>
    public static readonly (string Name, int Weight, string[] Decisions)[] MutualAssistance =
    [
        ("completed", 50, ["approve", "approve", "acknowledge", "approve", "deliver-results", "accept"]),
        ("completed after information", 10, ["approve", "approve", "acknowledge", "request-information", "provide-information", "approve", "deliver-partial-results", "deliver-results", "accept"]),
        ("completed after amendment", 5, ["return", "resubmit", "approve", "approve", "acknowledge", "approve", "deliver-results", "accept"]),
        ("rejected", 6, ["reject"]),
        ("refused", 6, ["approve", "approve", "acknowledge", "refuse"]),
        ("withdrawn", 3, ["withdraw"]),
        ("at supervisor-review", 3, []),
        ("at central-authority", 2, ["approve"]),
        ("at amendment", 1, ["return"]),
        ("at acknowledgement", 2, ["approve", "approve"]),
        ("at receiving-decision", 3, ["approve", "approve", "acknowledge"]),
        ("at information-requested", 1, ["approve", "approve", "acknowledge", "request-information"]),
        ("at execution", 5, ["approve", "approve", "acknowledge", "approve"]),
        ("at results-review", 2, ["approve", "approve", "acknowledge", "approve", "deliver-results"]),
    ];

    public static readonly (string Name, int Weight, string[] Decisions)[] UrgentRescue =
    [
        ("completed", 60, ["approve", "approve", "deliver-results", "accept"]),
        ("rejected", 10, ["reject"]),
        ("withdrawn", 5, ["withdraw"]),
        ("at joint-approval", 5, []),
        ("at joint-approval, one vote", 5, ["approve"]),
        ("at rescue-operation", 10, ["approve", "approve"]),
        ("at results-review", 5, ["approve", "approve", "deliver-results"]),
    ];

    /// <summary>50 audit entries: created, submitted and 48 decisions, 42 of them partial results during execution.</summary>
    public static readonly string[] LongHistory =
        ["approve", "approve", "acknowledge", "approve", .. Enumerable.Repeat("deliver-partial-results", 42), "deliver-results", "accept"];

    public static Template Play(WorkflowRuntime runtime, string path, string requestingCountry, string type, string priority, IReadOnlyList<string> decisions)
    {
        var facts = new RequestFacts(requestingCountry, requestingCountry == "KR" ? "KH" : "KR", OwnerId, Unit, type, priority);
        var start = runtime.Start(facts, Origin);
        var state = start.State;
        var at = Origin;
        var played = new List<TemplateDecision>();
        foreach (var name in decisions)
        {
            var step = runtime.Step(state.Step);
            if (step.IsTerminal)
            {
                break;
            }

            // A third of the time allowed, or four hours on a step without a deadline.
            var wait = state.DueAt is { } due ? (due - state.EnteredAt) / 3 : TimeSpan.FromHours(4);
            at = Max(at, state.EnteredAt) + Whole(wait);
            var candidates = step.ActorsWithBranches().Where(a => a.Branch is null || !state.Votes.Contains(a.Branch)).Select(a => a.Actor)
                .Append(new ActorSpec { Role = "Officer", Side = Side.Requesting, Scope = ActorScope.Owner });
            foreach (var spec in candidates)
            {
                var actor = new Actor(spec.Scope == ActorScope.Owner ? OwnerId : $"template-{spec.Role}", facts.CountryOf(spec.Side), [spec.Role], Unit);
                var result = runtime.Decide(state, facts, actor, name, null, at);
                string? comment = null;
                if (result.Failure == DecisionFailure.CommentRequired)
                {
                    comment = Comment(name);
                    result = runtime.Decide(state, facts, actor, name, comment, at);
                }

                if (result.Transition is { } transition)
                {
                    played.Add(new TemplateDecision(transition, spec, comment, at));
                    state = transition.State;
                    break;
                }
            }
        }

        return new Template(path, runtime, start, played);
    }

    private static string Comment(string decision) => decision switch
    {
        "deliver-partial-results" => "Partial results: subscriber records of two numbers and the first bank statements.",
        "deliver-results" => "Results: call records, account statements and the statements of three witnesses.",
        "request-information" => "Please give the dates of the transfers and the account numbers.",
        "provide-information" => "The transfers were made between 3 and 28 March 2026; account numbers attached.",
        "return" => "Add the legal basis and the penalty for each offence.",
        "reject" => "No link is shown between the facts and the measures sought.",
        "refuse" => "Refused: the measure would prejudice an ongoing national investigation.",
        "withdraw" => "The suspects were identified through other channels.",
        _ => "Done.",
    };

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static TimeSpan Whole(TimeSpan span) => TimeSpan.FromSeconds(Math.Max(60, Math.Floor(span.TotalSeconds)));
}
