using System.Text.RegularExpressions;
using JointOps.Engine.Definitions;
using JointOps.Server.Web;

namespace JointOps.Server.Pages.Workflows;

/// <summary>A validation problem placed against the step it concerns (when it concerns one).</summary>
public sealed record PlacedError(string Path, string? StepId, string? StepTitle, string Message);

public sealed record DesignerCheck(bool Valid, string? Svg, IReadOnlyList<PlacedError> Errors);

/// <summary>What the designer shows for a draft: the engine's verdict, each error on its step, and the diagram.</summary>
public static partial class Designer
{
    public static DesignerCheck Check(string json)
    {
        var result = DefinitionLoader.Load(json);
        var draft = result.Definition ?? DefinitionLoader.TryParse(json, out _);
        var placed = result.Errors.Select(e => Place(e, draft)).ToList();
        var stepErrors = placed.Where(e => e.StepId is not null).GroupBy(e => e.StepId!)
            .ToDictionary(g => g.Key, g => string.Join(" ", g.Select(e => e.Message)));
        return new DesignerCheck(result.IsValid, draft is null ? null : Render(draft, stepErrors), placed);
    }

    public static string Render(WorkflowDefinition definition, IReadOnlyDictionary<string, string>? stepErrors) =>
        WorkflowDiagram.RenderSvg(definition, new DiagramState(null, [], [], stepErrors));

    private static PlacedError Place(DefinitionError error, WorkflowDefinition? draft)
    {
        var match = StepPath().Match(error.Path);
        if (match.Success && draft is not null && int.TryParse(match.Groups[1].ValueSpan, out var index) && index < draft.Steps.Count && draft.Steps[index] is { } step)
        {
            return new PlacedError(error.Path, step.Id, step.Title, error.Message);
        }

        return new PlacedError(error.Path, null, null, error.Message);
    }

    [GeneratedRegex(@"^\$\.steps\[(\d+)\]")]
    private static partial Regex StepPath();
}
