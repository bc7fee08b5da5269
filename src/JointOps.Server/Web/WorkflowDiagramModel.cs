using System.Globalization;
using System.Text;
using JointOps.Engine.Definitions;

namespace JointOps.Server.Web;

internal sealed record DiagramLine(string Text, double Size, bool Bold, bool Italic, string Fill, double Height);

internal sealed record DiagramNode(
    StepDefinition Step,
    string StepId,
    string DomId,
    IReadOnlyList<DiagramLine> Lines,
    double Width,
    double Height,
    string Tooltip,
    bool Current,
    bool Visited,
    string? Error)
{
    public bool Terminal => Step.IsTerminal;
    public bool Parallel => Step.Parallel is not null;
}

internal sealed record DiagramEdge(
    int From,
    int To,
    string Decision,
    string DomId,
    IReadOnlyList<DiagramLine> Label,
    double LabelWidth,
    double LabelHeight,
    bool Conditional,
    bool Taken,
    string Tooltip);

/// <summary>What the diagram shows, before layout: each step's lines of text and each (decision, target) edge.</summary>
internal sealed class WorkflowDiagramModel
{
    public const double StepWidth = 204;
    public const double OutcomeWidth = 156;
    public const string Ink = "#1A1A1A";
    public const string Muted = "#3F4650";
    public const string CurrentInk = "#004C7A";
    public const string VisitedInk = "#00664A";
    public const string ErrorInk = "#A33A00";

    private WorkflowDiagramModel(string title, string description, IReadOnlyList<DiagramNode> nodes, IReadOnlyList<DiagramEdge> edges, int start)
    {
        Title = title;
        Description = description;
        Nodes = nodes;
        Edges = edges;
        Start = start;
    }

    public string Title { get; }
    public string Description { get; }
    public IReadOnlyList<DiagramNode> Nodes { get; }
    public IReadOnlyList<DiagramEdge> Edges { get; }

    /// <summary>The start step's index, or -1 when the definition names none that exists.</summary>
    public int Start { get; }

    public static WorkflowDiagramModel Build(WorkflowDefinition definition, DiagramState? state)
    {
        // The designer renders definitions as the admin types them: anything may be missing or repeated.
        var steps = (definition.Steps ?? []).Where(s => s is not null).ToList();
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < steps.Count; i++)
        {
            index.TryAdd(steps[i].Id ?? "", i);
        }

        var visited = new HashSet<string>(state?.VisitedSteps ?? [], StringComparer.Ordinal);
        var taken = new HashSet<(string, string)>(state?.TakenTransitions ?? []);
        var errors = state?.StepErrors ?? new Dictionary<string, string>();
        var ids = new HashSet<string>(StringComparer.Ordinal);

        var nodes = new List<DiagramNode>(steps.Count);
        foreach (var step in steps)
        {
            var id = step.Id ?? "";
            var current = state?.CurrentStep is { } c && c == id;
            errors.TryGetValue(id, out var error);
            nodes.Add(Node(step, id, UniqueId("step-" + DomName(id), ids), current, !current && visited.Contains(id), string.IsNullOrWhiteSpace(error) ? null : error, index, steps));
        }

        var edges = new List<DiagramEdge>();
        for (var i = 0; i < steps.Count; i++)
        {
            foreach (var decision in steps[i].Decisions ?? [])
            {
                if (decision is null)
                {
                    continue;
                }

                foreach (var (target, notes) in Targets(decision))
                {
                    if (!index.TryGetValue(target, out var to))
                    {
                        continue;
                    }

                    var name = decision.Name ?? "";
                    var note = notes.Count > 1 && notes.Contains("otherwise") ? "otherwise" : string.Join(" or ", notes.Where(n => n.Length > 0));
                    var label = new List<DiagramLine> { new(decision.Vote ? name + " (vote)" : name, 11, false, false, Muted, 13) };
                    if (note.Length > 0)
                    {
                        label.Add(new DiagramLine(DiagramText.Truncate(note, 200, 10, false), 10, false, true, Muted, 12));
                    }

                    var isTaken = taken.Contains((nodes[i].StepId, nodes[to].StepId));
                    if (isTaken)
                    {
                        label = label.Select(l => l with { Bold = true, Fill = CurrentInk }).ToList();
                    }

                    var width = label.Max(l => DiagramText.Width(l.Text, l.Size, isTaken)) + 10;
                    var tooltip = $"{nodes[i].StepId} → {nodes[to].StepId}: {name}{(note.Length > 0 ? " (" + note + ")" : "")}{(isTaken ? " — taken" : "")}";
                    edges.Add(new DiagramEdge(i, to, name, UniqueId($"edge-{DomName(nodes[i].StepId)}-{DomName(name)}-{DomName(nodes[to].StepId)}", ids),
                        label, width, label.Sum(l => l.Height) + 4, notes.Any(n => n.StartsWith("if ", StringComparison.Ordinal)), isTaken, tooltip));
                }
            }
        }

        var start = index.TryGetValue(definition.Start ?? "", out var s) ? s : -1;
        var title = string.Create(CultureInfo.InvariantCulture, $"Workflow {definition.Name} v{definition.Version}");
        return new WorkflowDiagramModel(title, Describe(definition, nodes, edges, start, state), nodes, edges, start);
    }

    private static DiagramNode Node(StepDefinition step, string id, string domId, bool current, bool visited, string? error, Dictionary<string, int> index, List<StepDefinition> steps)
    {
        var width = step.IsTerminal ? OutcomeWidth : StepWidth;
        var name = string.IsNullOrWhiteSpace(step.Title) ? id : step.Title;
        var lines = new List<DiagramLine>();
        foreach (var line in DiagramText.Wrap(name, width - (step.IsTerminal ? 36 : 20), 13, true, 3))
        {
            lines.Add(new DiagramLine(line, 13, true, false, Ink, 16));
        }

        string Fit(string text, double size) => DiagramText.Truncate(text, width - 20, size, false);
        if (step.IsTerminal)
        {
            lines.Add(new DiagramLine(Fit("outcome: " + step.Terminal, 11), 11, false, true, Muted, 14));
        }
        else if (step.Parallel is { } parallel)
        {
            lines.Add(new DiagramLine(parallel.Mode == JoinMode.AnyOf ? "parallel · any of" : "parallel · all of", 10.5, false, true, Muted, 14));
            foreach (var branch in parallel.Branches ?? [])
            {
                lines.Add(new DiagramLine(Fit("‖ " + Who(branch?.Actor), 11), 11, false, false, Muted, 14));
            }
        }
        else
        {
            lines.Add(new DiagramLine(Fit(Who(step.Actor), 11), 11, false, false, Muted, 14));
        }

        if (current)
        {
            lines.Add(new DiagramLine("▶ current step", 11, true, false, CurrentInk, 15));
        }
        else if (visited)
        {
            lines.Add(new DiagramLine("✓ passed", 11, true, false, VisitedInk, 15));
        }

        if (error is not null)
        {
            foreach (var line in DiagramText.Wrap("⚠ " + error.ReplaceLineEndings(" "), width - 16, 11, false, 2))
            {
                lines.Add(new DiagramLine(line, 11, false, false, ErrorInk, 14));
            }
        }

        var height = 10 + lines.Sum(l => l.Height) + 8;
        return new DiagramNode(step, id, domId, lines, width, height, Tooltip(step, id, name, current, visited, error, index, steps), current, visited, error);
    }

    private static string Tooltip(StepDefinition step, string id, string name, bool current, bool visited, string? error, Dictionary<string, int> index, List<StepDefinition> steps)
    {
        var text = new StringBuilder($"{name} ({id})");
        if (current)
        {
            text.Append(" — current step");
        }
        else if (visited)
        {
            text.Append(" — passed");
        }

        if (step.IsTerminal)
        {
            text.Append("\nOutcome: ").Append(step.Terminal);
        }
        else if (step.Parallel is { } parallel)
        {
            text.Append("\nWho acts (parallel, ").Append(parallel.Mode == JoinMode.AnyOf ? "any of" : "all of").Append("): ")
                .AppendJoin("; ", (parallel.Branches ?? []).Where(b => b is not null).Select(b => $"{b.Id}: {Who(b.Actor)}"));
        }
        else
        {
            text.Append("\nWho acts: ").Append(Who(step.Actor));
        }

        var decisions = (step.Decisions ?? []).Where(d => d is not null).ToList();
        if (decisions.Count > 0)
        {
            text.Append("\nDecisions:");
            foreach (var decision in decisions)
            {
                text.Append("\n• ").Append(decision.Name);
                if (decision.By is not null)
                {
                    text.Append(" (by ").Append(Who(decision.By)).Append(')');
                }

                if (decision.Vote)
                {
                    text.Append(" (vote)");
                }

                var targets = Targets(decision).Select(t =>
                {
                    var target = index.TryGetValue(t.Target, out var i) ? $"{(string.IsNullOrWhiteSpace(steps[i].Title) ? t.Target : steps[i].Title)} ({t.Target})" : $"'{t.Target}' (unknown step)";
                    var notes = string.Join(" or ", t.Notes.Where(n => n.Length > 0));
                    return notes.Length > 0 ? $"{target} {notes}" : target;
                });
                text.Append(" → ").AppendJoin(", ", targets);
            }
        }

        if (error is not null)
        {
            text.Append("\nError: ").Append(error);
        }

        return text.ToString();
    }

    /// <summary>Each distinct target of a decision with the conditions leading there ("" when unconditional).</summary>
    private static List<(string Target, List<string> Notes)> Targets(DecisionDefinition decision)
    {
        var targets = new List<(string Target, List<string> Notes)>();
        void Add(string? target, string note)
        {
            target ??= "";
            var existing = targets.FindIndex(t => t.Target == target);
            if (existing < 0)
            {
                targets.Add((target, [note]));
            }
            else if (!targets[existing].Notes.Contains(note))
            {
                targets[existing].Notes.Add(note);
            }
        }

        if (decision.To is not null)
        {
            Add(decision.To, "");
        }

        var routes = (decision.Routes ?? []).Where(r => r is not null).ToList();
        foreach (var route in routes)
        {
            Add(route.To, route.When is { } when ? Condition(when) : routes.Count > 1 ? "otherwise" : "");
        }

        return targets;
    }

    private static string Condition(Condition when)
    {
        if (when.EqualTo is not null)
        {
            return $"if {when.Field} = {when.EqualTo}";
        }

        if (when.In is not null)
        {
            return $"if {when.Field} in {string.Join(", ", when.In)}";
        }

        return when.NotIn is not null ? $"if {when.Field} not in {string.Join(", ", when.NotIn)}" : $"if {when.Field}";
    }

    /// <summary>"Supervisor · requesting (unit)": role, side, and the scope when narrower than the country.</summary>
    public static string Who(ActorSpec? actor)
    {
        if (actor is null)
        {
            return "nobody named";
        }

        var role = string.IsNullOrWhiteSpace(actor.Role) ? "?" : actor.Role;
        var side = actor.Side == Side.Receiving ? "receiving" : "requesting";
        return actor.Scope switch
        {
            ActorScope.Unit => $"{role} · {side} (unit)",
            ActorScope.Owner => $"{role} · {side} (owner)",
            _ => $"{role} · {side}",
        };
    }

    private static string Describe(WorkflowDefinition definition, List<DiagramNode> nodes, List<DiagramEdge> edges, int start, DiagramState? state)
    {
        string Name(DiagramNode node) => string.IsNullOrWhiteSpace(node.Step.Title) ? node.StepId : node.Step.Title;
        var text = new StringBuilder();
        text.Append(string.IsNullOrWhiteSpace(definition.Title) ? definition.Name : definition.Title)
            .Append(", version ").Append(definition.Version.ToString(CultureInfo.InvariantCulture)).Append(": ")
            .Append(nodes.Count.ToString(CultureInfo.InvariantCulture)).Append(nodes.Count == 1 ? " step" : " steps");
        if (start >= 0)
        {
            text.Append(", starting at ").Append(Name(nodes[start]));
        }

        var outcomes = nodes.Where(n => n.Terminal).Select(n => $"{Name(n)} ({n.Step.Terminal})").ToList();
        if (outcomes.Count > 0)
        {
            text.Append("; outcomes: ").AppendJoin(", ", outcomes);
        }

        text.Append('.');
        if (nodes.FirstOrDefault(n => n.Current) is { } current)
        {
            text.Append(" Current step: ").Append(Name(current)).Append('.');
        }

        // Definition order, not the order of the caller's collections: the same state always reads the same.
        var passed = nodes.Where(n => n.Visited).Select(Name).ToList();
        if (passed.Count > 0)
        {
            text.Append(" Steps passed: ").AppendJoin(", ", passed).Append('.');
        }

        var path = edges.Where(e => e.Taken).Select(e => $"{Name(nodes[e.From])} → {Name(nodes[e.To])} ({e.Decision})").ToList();
        if (path.Count > 0)
        {
            text.Append(" Path taken: ").AppendJoin("; ", path).Append('.');
        }

        var errors = nodes.Where(n => n.Error is not null).Select(n => $"{Name(n)}: {n.Error}").ToList();
        if (errors.Count > 0)
        {
            text.Append(" Errors: ").AppendJoin("; ", errors).Append('.');
        }

        return text.ToString();
    }

    // Step ids are already lower-case words and hyphens; anything else an admin typed becomes '_'.
    private static string DomName(string text)
    {
        var name = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_');
        }

        return name.Length > 0 ? name.ToString() : "_";
    }

    private static string UniqueId(string id, HashSet<string> used)
    {
        var unique = id;
        for (var n = 2; !used.Add(unique); n++)
        {
            unique = $"{id}-{n}";
        }

        return unique;
    }
}
