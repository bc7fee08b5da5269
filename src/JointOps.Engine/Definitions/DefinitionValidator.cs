using System.Text.RegularExpressions;
using System.Xml;

namespace JointOps.Engine.Definitions;

/// <summary>Checks a definition and reports every problem found, each with its JSON path.</summary>
public sealed partial class DefinitionValidator(IReadOnlyCollection<string> roles, int maxSteps = 200, int maxDecisionsPerStep = 20)
{
    public static readonly DefinitionValidator Default = new(Vocabulary.Roles);

    /// <summary>Ids are stored in 64-character columns (a request's step, an assignment's branch, an audit entry's decision).</summary>
    public const int MaxIdLength = 64;

    /// <summary>Titles are stored in 200-character columns.</summary>
    public const int MaxTitleLength = 200;

    public const int MaxRoutesPerDecision = 20;
    public const int MaxBranches = 10;
    public const int MaxReminders = 10;
    public const int MaxConditionValues = 50;

    /// <summary>Ten years: far beyond any real instrument's deadline, and far from overflowing a timestamp.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(3650);

    public IReadOnlyList<DefinitionError> Validate(WorkflowDefinition definition)
    {
        var errors = new List<DefinitionError>();
        void Error(string path, string message) => errors.Add(new DefinitionError(path, message));

        // One delegate for every step, rather than one converted from Error at each call.
        Action<string, string> error = Error;

        if (IdProblem(definition.Name, "Name", "e.g. 'mutual-assistance'") is { } nameProblem)
        {
            Error("$.name", nameProblem);
        }

        if (definition.Version < 1)
        {
            Error("$.version", "Version must be 1 or more.");
        }

        ValidateTitle(definition.Title, "$.title", Error);

        if (definition.Steps.Count == 0)
        {
            Error("$.steps", "A definition needs at least one step.");
            return errors;
        }

        if (definition.Steps.Count > maxSteps)
        {
            Error("$.steps", $"A definition may have at most {maxSteps} steps; it has {definition.Steps.Count}.");
            return errors;
        }

        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < definition.Steps.Count; i++)
        {
            var id = definition.Steps[i].Id;
            if (IdProblem(id, "Step id") is { } idProblem)
            {
                Error($"$.steps[{i}].id", idProblem);
            }
            else if (!index.TryAdd(id, i))
            {
                Error($"$.steps[{i}].id", $"Duplicate step id '{id}' (first at $.steps[{index[id]}]).");
            }
        }

        if (!index.TryGetValue(definition.Start, out var startIndex))
        {
            Error("$.start", $"Start step '{Quote(definition.Start)}' does not exist.");
        }
        else if (definition.Steps[startIndex].IsTerminal)
        {
            Error("$.start", "The start step cannot be terminal.");
        }

        for (var i = 0; i < definition.Steps.Count; i++)
        {
            ValidateStep(definition.Steps[i], i, index, error);
        }

        ValidateGraph(definition, index, error);
        return errors;
    }

    // Paths below a step are built only to report an error: most parts of most definitions have none, and a
    // definition at the cap of steps would otherwise format thousands of them.
    private void ValidateStep(StepDefinition step, int i, Dictionary<string, int> index, Action<string, string> error)
    {
        var path = $"$.steps[{i}]";
        ValidateTitle(step.Title, $"{path}.title", error);

        var kinds = (step.Actor is null ? 0 : 1) + (step.Parallel is null ? 0 : 1) + (step.IsTerminal ? 1 : 0);
        if (kinds != 1)
        {
            error(path, "A step has exactly one of 'actor', 'parallel' or 'terminal'.");
        }

        if (step.IsTerminal)
        {
            if (!Vocabulary.Outcomes.Contains(step.Terminal!))
            {
                error($"{path}.terminal", $"Unknown outcome '{Quote(step.Terminal!)}'; use one of: {string.Join(", ", Vocabulary.Outcomes)}.");
            }

            if (step.Decisions.Count > 0)
            {
                error($"{path}.decisions", "A terminal step takes no decisions.");
            }

            return;
        }

        if (step.Actor is not null)
        {
            ValidateActor(step.Actor, path, ".actor", error);
        }

        if (step.Parallel is not null)
        {
            ValidateParallel(step.Parallel, $"{path}.parallel", error);
        }

        ValidateDeadlines(step, path, error);
        ValidateDecisions(step, path, index, error);
    }

    private void ValidateParallel(ParallelSpec parallel, string path, Action<string, string> error)
    {
        if (parallel.Branches.Count < 2)
        {
            error($"{path}.branches", "A parallel step needs at least two branches.");
        }
        else if (parallel.Branches.Count > MaxBranches)
        {
            error($"{path}.branches", $"A parallel step may have at most {MaxBranches} branches; it has {parallel.Branches.Count}.");
            return;
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var b = 0; b < parallel.Branches.Count; b++)
        {
            var branch = parallel.Branches[b];
            if (IdProblem(branch.Id, "Branch id") is { } idProblem)
            {
                error($"{path}.branches[{b}].id", idProblem);
            }
            else if (!ids.Add(branch.Id))
            {
                error($"{path}.branches[{b}].id", $"Duplicate branch id '{branch.Id}'.");
            }

            ValidateActor(branch.Actor, path, $".branches[{b}].actor", error);
        }
    }

    private void ValidateDeadlines(StepDefinition step, string path, Action<string, string> error)
    {
        var priorities = 0;
        foreach (var priority in Vocabulary.Priorities)
        {
            if (step.Deadline is null || !step.Deadline.TryGetValue(priority, out var deadline))
            {
                error($"{path}.deadline.{priority}", $"Missing deadline for priority '{priority}'.");
                continue;
            }

            priorities++;

            if (!TryParseDuration(deadline.Duration, out var duration) || duration <= TimeSpan.Zero)
            {
                error($"{path}.deadline.{priority}.duration", $"'{Quote(deadline.Duration)}' is not a positive ISO-8601 duration (e.g. P30D, PT8H).");
            }
            else if (duration > MaxDuration)
            {
                error($"{path}.deadline.{priority}.duration", $"'{Quote(deadline.Duration)}' is longer than the longest deadline allowed, {MaxDuration.Days} days.");
            }
        }

        foreach (var key in step.Deadline is not null && step.Deadline.Count > priorities ? step.Deadline.Keys : [])
        {
            if (!Vocabulary.Priorities.Contains(key))
            {
                error($"{path}.deadline.{key}", $"Unknown priority '{Quote(key)}'; use one of: {string.Join(", ", Vocabulary.Priorities)}.");
            }
        }

        if (step.Reminders is { Count: > MaxReminders } reminders)
        {
            error($"{path}.reminders", $"A step may have at most {MaxReminders} reminders; it has {reminders.Count}.");
        }

        for (var r = 0; r < int.Min(step.Reminders?.Count ?? 0, MaxReminders); r++)
        {
            if (step.Reminders![r] is <= 0 or >= 1)
            {
                error($"{path}.reminders[{r}]", "A reminder is a fraction of the allowed time, between 0 and 1 exclusive.");
            }
        }

        if (step.Escalation is { } escalation)
        {
            ValidateActor(escalation.To, path, ".escalation.to", error);
            if (escalation.Every is not null && (!TryParseDuration(escalation.Every, out var every) || every <= TimeSpan.Zero || every > MaxDuration))
            {
                error($"{path}.escalation.every", $"'{Quote(escalation.Every)}' is not a positive ISO-8601 duration of at most {MaxDuration.Days} days.");
            }
        }
    }

    private void ValidateDecisions(StepDefinition step, string path, Dictionary<string, int> index, Action<string, string> error)
    {
        if (step.Decisions.Count == 0)
        {
            error($"{path}.decisions", "A step that is not terminal needs at least one decision.");
            return;
        }

        if (step.Decisions.Count > maxDecisionsPerStep)
        {
            error($"{path}.decisions", $"A step may have at most {maxDecisionsPerStep} decisions; it has {step.Decisions.Count}.");
            return;
        }

        var names = new HashSet<string>(step.Decisions.Count, StringComparer.Ordinal);
        var votes = false;
        for (var d = 0; d < step.Decisions.Count; d++)
        {
            var decision = step.Decisions[d];
            string At() => $"{path}.decisions[{d}]";
            if (IdProblem(decision.Name, "Decision name", "e.g. 'request-information'") is { } nameProblem)
            {
                error($"{At()}.name", nameProblem);
            }
            else if (!names.Add(decision.Name))
            {
                error($"{At()}.name", $"Duplicate decision '{decision.Name}' in step '{Quote(step.Id)}'.");
            }

            if ((decision.To is null) == (decision.Routes is null))
            {
                error(At(), "A decision has exactly one of 'to' or 'routes'.");
            }

            if (decision.To is not null && !index.ContainsKey(decision.To))
            {
                error($"{At()}.to", $"Unknown step '{Quote(decision.To)}'.");
            }

            ValidateRoutes(decision.Routes, path, d, index, error);

            if (decision.By is not null)
            {
                ValidateActor(decision.By, path, $".decisions[{d}].by", error);
            }

            votes |= decision.Vote;
            if (decision.Vote && step.Parallel is null)
            {
                error($"{At()}.vote", "Only decisions of a parallel step can be votes.");
            }
            else if (decision.Vote && decision.Targets().Contains(step.Id))
            {
                error($"{At()}.vote", "A vote completes the step, so it must lead to another step.");
            }
        }

        if (step.Parallel is not null && !votes)
        {
            error($"{path}.decisions", "A parallel step needs at least one decision with \"vote\": true.");
        }
    }

    private static void ValidateRoutes(IReadOnlyList<RouteDefinition>? routes, string path, int d, Dictionary<string, int> index, Action<string, string> error)
    {
        if (routes is null)
        {
            return;
        }

        string At() => $"{path}.decisions[{d}]";
        if (routes.Count == 0)
        {
            error($"{At()}.routes", "Routes must not be empty.");
            return;
        }

        if (routes.Count > MaxRoutesPerDecision)
        {
            error($"{At()}.routes", $"A decision may have at most {MaxRoutesPerDecision} routes; it has {routes.Count}.");
            return;
        }

        for (var r = 0; r < routes.Count; r++)
        {
            var route = routes[r];
            if (!index.ContainsKey(route.To))
            {
                error($"{At()}.routes[{r}].to", $"Unknown step '{Quote(route.To)}'.");
            }

            if (route.When is { } when)
            {
                ValidateCondition(when, path, d, r, error);
            }
            else if (r != routes.Count - 1)
            {
                error($"{At()}.routes[{r}]", "Only the last route may have no condition.");
            }
        }

        if (routes[^1].When is not null)
        {
            error($"{At()}.routes[{routes.Count - 1}]", "The last route must have no condition, so the decision always leads somewhere.");
        }
    }

    private static void ValidateCondition(Condition condition, string stepPath, int d, int r, Action<string, string> error)
    {
        string At() => $"{stepPath}.decisions[{d}].routes[{r}].when";
        if (!Vocabulary.ConditionFields.Contains(condition.Field))
        {
            error($"{At()}.field", $"Unknown field '{Quote(condition.Field)}'; use one of: {string.Join(", ", Vocabulary.ConditionFields)}.");
        }

        var tests = (condition.EqualTo is null ? 0 : 1) + (condition.In is null ? 0 : 1) + (condition.NotIn is null ? 0 : 1);
        if (tests != 1)
        {
            error(At(), "A condition has exactly one of 'equalTo', 'in' or 'notIn'.");
            return;
        }

        // A misspelt value would silently never match; the fields with a closed set of values are checked.
        IReadOnlyList<string>? known = condition.Field switch
        {
            "priority" => Vocabulary.Priorities,
            "requestingCountry" or "receivingCountry" => Vocabulary.Countries,
            _ => null,
        };
        var (values, test) = condition.EqualTo is not null ? ([condition.EqualTo], ".equalTo")
            : condition.In is not null ? (condition.In, ".in") : (condition.NotIn!, ".notIn");
        if (values.Count > MaxConditionValues)
        {
            error(At() + test, $"A condition may list at most {MaxConditionValues} values; it has {values.Count}.");
            return;
        }

        if (known is null)
        {
            return;
        }

        for (var v = 0; v < values.Count; v++)
        {
            if (!known.Contains(values[v]))
            {
                error(At() + test, $"'{Quote(values[v])}' is not a value of '{condition.Field}'; use one of: {string.Join(", ", known)}.");
            }
        }
    }

    /// <summary>Checks the actor at <paramref name="path"/> + <paramref name="suffix"/>, joined only to report an error.</summary>
    private void ValidateActor(ActorSpec actor, string path, string suffix, Action<string, string> error)
    {
        if (!roles.Contains(actor.Role))
        {
            error($"{path}{suffix}.role", $"Role '{Quote(actor.Role)}' does not exist; use one of: {string.Join(", ", roles)}.");
        }

        if (actor.Scope != ActorScope.Country && actor.Side != Side.Requesting)
        {
            error($"{path}{suffix}.scope", "Scopes 'owner' and 'unit' apply to the requesting side only.");
        }
    }

    private static void ValidateGraph(WorkflowDefinition definition, Dictionary<string, int> index, Action<string, string> error)
    {
        if (!index.TryGetValue(definition.Start, out var start))
        {
            return;
        }

        var steps = definition.Steps;
        var edges = new List<int>[steps.Count];
        var reverse = new List<int>[steps.Count];
        var terminals = new List<int>();
        for (var i = 0; i < steps.Count; i++)
        {
            edges[i] = [];
            reverse[i] = [];
            if (steps[i].IsTerminal)
            {
                terminals.Add(i);
            }
        }

        for (var i = 0; i < steps.Count; i++)
        {
            foreach (var decision in steps[i].Decisions)
            {
                if (decision.To is not null)
                {
                    AddEdge(i, decision.To);
                }

                for (var r = 0; r < (decision.Routes?.Count ?? 0); r++)
                {
                    AddEdge(i, decision.Routes![r].To);
                }
            }
        }

        void AddEdge(int from, string to)
        {
            if (index.TryGetValue(to, out var j))
            {
                edges[from].Add(j);
                reverse[j].Add(from);
            }
        }

        var reachable = Walk([start], edges);
        if (terminals.Count == 0)
        {
            error("$.steps", "A definition needs at least one terminal step.");
        }

        var finishing = Walk(terminals, reverse);
        for (var i = 0; i < steps.Count; i++)
        {
            if (!reachable[i])
            {
                error($"$.steps[{i}]", $"Step '{Quote(steps[i].Id)}' cannot be reached from the start step.");
            }
            else if (!finishing[i])
            {
                error($"$.steps[{i}]", $"Step '{Quote(steps[i].Id)}' has no way to a terminal step.");
            }
        }
    }

    private static bool[] Walk(List<int> from, List<int>[] next)
    {
        var seen = new bool[next.Length];
        var queue = new Queue<int>();
        foreach (var i in from)
        {
            seen[i] = true;
            queue.Enqueue(i);
        }

        while (queue.Count > 0)
        {
            foreach (var j in next[queue.Dequeue()])
            {
                if (!seen[j])
                {
                    seen[j] = true;
                    queue.Enqueue(j);
                }
            }
        }

        return seen;
    }

    public static bool TryParseDuration(string? text, out TimeSpan duration)
    {
        duration = default;
        if (string.IsNullOrEmpty(text) || text[0] != 'P')
        {
            return false;
        }

        try
        {
            duration = XmlConvert.ToTimeSpan(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
        catch (OverflowException)
        {
            return false;
        }
    }

    private static string? IdProblem(string id, string what, string? example = null) =>
        id.Length > MaxIdLength ? $"{what} must be at most {MaxIdLength} characters; it has {id.Length}."
        : !IdPattern().IsMatch(id) ? $"{what} must be lower-case words joined by hyphens{(example is null ? "" : ", " + example)}."
        : null;

    private static void ValidateTitle(string title, string path, Action<string, string> error)
    {
        if (string.IsNullOrWhiteSpace(title))
        {
            error(path, "Title is required.");
        }
        else if (title.Length > MaxTitleLength)
        {
            error(path, $"Title must be at most {MaxTitleLength} characters; it has {title.Length}.");
        }
    }

    /// <summary>A value quoted back in a message, cut short so a huge value cannot make a huge report.</summary>
    private static string Quote(string value) =>
        value.Length <= 40 ? value : value[..(char.IsHighSurrogate(value[39]) ? 39 : 40)] + "…";

    [GeneratedRegex("^[a-z][a-z0-9]*(-[a-z0-9]+)*$")]
    private static partial Regex IdPattern();
}
