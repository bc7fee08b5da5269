using System.Globalization;
using System.Text;
using JointOps.Engine.Definitions;

namespace JointOps.Server.Web;

/// <summary>What to highlight on a workflow diagram: a request's progress, or the designer's validation errors.</summary>
/// <param name="CurrentStep">The step the request waits in (or ended in); highlighted strongly.</param>
/// <param name="VisitedSteps">Steps the request passed.</param>
/// <param name="TakenTransitions">Transitions taken, by step ids; every decision between the two is highlighted.</param>
/// <param name="StepErrors">Step id to error text, shown on the step.</param>
public sealed record DiagramState(
    string? CurrentStep,
    IReadOnlyCollection<string> VisitedSteps,
    IReadOnlyCollection<(string From, string To)> TakenTransitions,
    IReadOnlyDictionary<string, string>? StepErrors = null);

/// <summary>
/// Renders a workflow definition as an accessible SVG: pure and deterministic, styled with presentation attributes
/// only (the Content-Security-Policy forbids inline styles), no scripts, no external references, every text escaped.
/// Steps are <c>g#step-{id}</c> with <c>data-step</c> and classes <c>step</c>, <c>current</c>, <c>visited</c>,
/// <c>error</c>, <c>terminal</c>; edges are <c>g#edge-{from}-{decision}-{to}</c> with class <c>edge</c> (and <c>taken</c>).
/// </summary>
public static class WorkflowDiagram
{
    // Okabe–Ito hues, told apart with the common colour-vision deficiencies; shape and text repeat every state.
    private const string Blue = "#0072B2";
    private const string Green = "#009E73";
    private const string Vermillion = "#D55E00";
    private const string Grey = "#5B6670";
    private const string EdgeGrey = "#7D858E";
    private const double Margin = 16;
    private const string Fonts = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Noto Sans', 'DejaVu Sans', Arial, sans-serif";

    public static string RenderSvg(WorkflowDefinition definition, DiagramState? state = null)
    {
        ArgumentNullException.ThrowIfNull(definition);
        var model = WorkflowDiagramModel.Build(definition, state);
        var layout = WorkflowDiagramLayout.Compute(
            model.Nodes.Select(n => new LayoutNodeSpec(n.Width, n.Height, n.Terminal)).ToList(),
            model.Edges.Select(e => new LayoutEdgeSpec(e.From, e.To, e.LabelWidth, e.LabelHeight)).ToList(),
            model.Start);

        var legend = Legend(model, state);
        var legendWidth = legend.Count == 0 ? 0 : legend.Sum(l => l.Width);
        var (dx, dy) = (Margin - layout.Bounds.X, Margin - layout.Bounds.Y);
        var width = Math.Ceiling(Math.Max(layout.Bounds.Width, legendWidth) + 2 * Margin);
        var height = Math.Ceiling(layout.Bounds.Height + 2 * Margin + (legend.Count > 0 ? 28 : 0));

        var svg = new StringBuilder(8192 + model.Nodes.Count * 1500);
        svg.Append("<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-labelledby=\"diagram-title\" aria-describedby=\"diagram-desc\"")
            .Append(" class=\"workflow-diagram\" data-workflow=\"").AppendEscaped(definition.Name).Append("\" data-version=\"").Append(definition.Version.ToString(CultureInfo.InvariantCulture)).Append('"')
            .Append(" width=\"").AppendNumber(width).Append("\" height=\"").AppendNumber(height)
            .Append("\" viewBox=\"0 0 ").AppendNumber(width).Append(' ').AppendNumber(height).Append('"')
            .Append(" font-family=\"").AppendEscaped(Fonts).Append("\" font-size=\"12\">\n");
        svg.Append("<title id=\"diagram-title\">").AppendEscaped(model.Title).Append("</title>\n");
        svg.Append("<desc id=\"diagram-desc\">").AppendEscaped(model.Description).Append("</desc>\n");
        svg.Append("<defs>")
            .Append(Arrow("diagram-arrow", EdgeGrey, 9))
            .Append(Arrow("diagram-arrow-taken", Blue, 11))
            .Append("</defs>\n");
        svg.Append("<rect class=\"background\" width=\"").AppendNumber(width).Append("\" height=\"").AppendNumber(height).Append("\" fill=\"#FFFFFF\"/>\n");
        svg.Append("<g transform=\"translate(").AppendNumber(dx).Append(' ').AppendNumber(dy).Append(")\">\n");

        if (layout.Start is { } start)
        {
            var first = layout.Nodes[model.Start];
            svg.Append("<g class=\"start\"><title>Start: ").AppendEscaped(model.Nodes[model.Start].StepId).Append("</title>")
                .Append("<circle cx=\"").AppendNumber(start.X).Append("\" cy=\"").AppendNumber(start.Y).Append("\" r=\"6\" fill=\"").Append(Grey).Append("\"/>")
                .Append("<path d=\"M").AppendNumber(start.X).Append(' ').AppendNumber(start.Y + 6).Append(" V").AppendNumber(first.Y)
                .Append("\" fill=\"none\" stroke=\"").Append(EdgeGrey).Append("\" stroke-width=\"1.5\" marker-end=\"url(#diagram-arrow)\"/></g>\n");
        }

        svg.Append("<g class=\"edges\">\n");
        foreach (var taken in new[] { false, true })
        {
            for (var e = 0; e < model.Edges.Count; e++)
            {
                if (model.Edges[e].Taken == taken)
                {
                    WriteEdge(svg, model, model.Edges[e], layout.Edges[e]);
                }
            }
        }

        svg.Append("</g>\n<g class=\"steps\">\n");
        for (var i = 0; i < model.Nodes.Count; i++)
        {
            WriteNode(svg, model.Nodes[i], layout.Nodes[i]);
        }

        svg.Append("</g>\n<g class=\"edge-labels\">\n");
        for (var e = 0; e < model.Edges.Count; e++)
        {
            WriteLabel(svg, model.Edges[e], layout.Edges[e].Label);
        }

        svg.Append("</g>\n</g>\n");
        if (legend.Count > 0)
        {
            WriteLegend(svg, legend, Margin, height - Margin - 12);
        }

        svg.Append("</svg>\n");
        return svg.ToString();
    }

    private static string Arrow(string id, string colour, double size) =>
        $"<marker id=\"{id}\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"{DiagramText.Number(size)}\" markerHeight=\"{DiagramText.Number(size)}\" markerUnits=\"userSpaceOnUse\" orient=\"auto\"><path d=\"M0 0 L10 5 L0 10 z\" fill=\"{colour}\"/></marker>";

    private static void WriteEdge(StringBuilder svg, WorkflowDiagramModel model, DiagramEdge edge, LayoutEdge geometry)
    {
        svg.Append("<g id=\"").AppendEscaped(edge.DomId).Append("\" class=\"edge").Append(edge.Taken ? " taken" : "")
            .Append(geometry.Route == EdgeRoute.Up ? " back" : geometry.Route == EdgeRoute.Self ? " self" : "").Append('"')
            .Append(" data-from=\"").AppendEscaped(model.Nodes[edge.From].StepId)
            .Append("\" data-decision=\"").AppendEscaped(edge.Decision)
            .Append("\" data-to=\"").AppendEscaped(model.Nodes[edge.To].StepId).Append("\">")
            .Append("<title>").AppendEscaped(edge.Tooltip).Append("</title>")
            .Append("<path d=\"").Append(geometry.Path).Append("\" fill=\"none\" stroke=\"").Append(edge.Taken ? Blue : EdgeGrey)
            .Append("\" stroke-width=\"").Append(edge.Taken ? "3" : "1.4").Append('"')
            .Append(edge.Conditional ? " stroke-dasharray=\"6 4\"" : "")
            .Append(" marker-end=\"url(#").Append(edge.Taken ? "diagram-arrow-taken" : "diagram-arrow").Append(")\"/></g>\n");
    }

    private static void WriteNode(StringBuilder svg, DiagramNode node, Box box)
    {
        var classes = "step" + (node.Terminal ? " terminal" : "") + (node.Parallel ? " parallel" : "") + (node.Current ? " current" : "")
            + (node.Visited ? " visited" : "") + (node.Error is not null ? " error" : "");
        var (fill, stroke, strokeWidth) = node.Current ? ("#DCEBF7", Blue, 3.5)
            : node.Visited ? ("#E2F3EC", Green, 2.0)
            : node.Terminal ? ("#EEF0F2", Grey, 1.25)
            : ("#FFFFFF", Grey, 1.25);
        if (node.Error is not null)
        {
            (fill, stroke, strokeWidth) = (node.Current || node.Visited ? fill : "#FDF0E8", Vermillion, Math.Max(strokeWidth, 2.5));
        }

        svg.Append("<g id=\"").AppendEscaped(node.DomId).Append("\" class=\"").Append(classes).Append("\" data-step=\"").AppendEscaped(node.StepId).Append("\">")
            .Append("<title>").AppendEscaped(node.Tooltip).Append("</title>");
        var radius = node.Terminal ? Math.Min(box.Height / 2, 22) : 6;
        Rect(svg, box, radius, fill, stroke, strokeWidth, node.Error is not null ? "7 4" : null);
        if (node.Parallel)
        {
            // A double border marks branches acting side by side.
            Rect(svg, box.Inflate(-4, -4, -4, -4), 3, "none", stroke, 1, null);
        }

        var y = box.Y + 10;
        foreach (var line in node.Lines)
        {
            svg.Append("<text x=\"").AppendNumber(box.CenterX).Append("\" y=\"").AppendNumber(y + line.Height / 2 + line.Size * 0.35)
                .Append("\" text-anchor=\"middle\" font-size=\"").AppendNumber(line.Size).Append('"')
                .Append(line.Bold ? " font-weight=\"bold\"" : "").Append(line.Italic ? " font-style=\"italic\"" : "")
                .Append(" fill=\"").Append(line.Fill).Append("\">").AppendEscaped(line.Text).Append("</text>");
            y += line.Height;
        }

        svg.Append("</g>\n");
    }

    private static void Rect(StringBuilder svg, Box box, double radius, string fill, string stroke, double strokeWidth, string? dash)
    {
        svg.Append("<rect x=\"").AppendNumber(box.X).Append("\" y=\"").AppendNumber(box.Y)
            .Append("\" width=\"").AppendNumber(box.Width).Append("\" height=\"").AppendNumber(box.Height)
            .Append("\" rx=\"").AppendNumber(radius).Append("\" fill=\"").Append(fill).Append("\" stroke=\"").Append(stroke)
            .Append("\" stroke-width=\"").AppendNumber(strokeWidth).Append('"')
            .Append(dash is null ? "" : $" stroke-dasharray=\"{dash}\"").Append("/>");
    }

    private static void WriteLabel(StringBuilder svg, DiagramEdge edge, Box box)
    {
        svg.Append("<g id=\"label-").AppendEscaped(edge.DomId).Append("\" class=\"edge-label").Append(edge.Taken ? " taken" : "").Append("\">")
            .Append("<rect x=\"").AppendNumber(box.X).Append("\" y=\"").AppendNumber(box.Y)
            .Append("\" width=\"").AppendNumber(box.Width).Append("\" height=\"").AppendNumber(box.Height)
            .Append("\" rx=\"3\" fill=\"#FFFFFF\" fill-opacity=\"0.92\"")
            .Append(edge.Taken ? $" stroke=\"{Blue}\" stroke-width=\"1\"" : "").Append("/>");
        var y = box.Y + 2;
        foreach (var line in edge.Label)
        {
            svg.Append("<text x=\"").AppendNumber(box.CenterX).Append("\" y=\"").AppendNumber(y + line.Height / 2 + line.Size * 0.35)
                .Append("\" text-anchor=\"middle\" font-size=\"").AppendNumber(line.Size).Append('"')
                .Append(line.Bold ? " font-weight=\"bold\"" : "").Append(line.Italic ? " font-style=\"italic\"" : "")
                .Append(" fill=\"").Append(line.Fill).Append("\">").AppendEscaped(line.Text).Append("</text>");
            y += line.Height;
        }

        svg.Append("</g>\n");
    }

    private sealed record LegendEntry(string Kind, string Text, double Width);

    private static List<LegendEntry> Legend(WorkflowDiagramModel model, DiagramState? state)
    {
        var entries = new List<LegendEntry>();
        if (state is null)
        {
            return entries;
        }

        void Add(string kind, string text) => entries.Add(new LegendEntry(kind, text, 34 + DiagramText.Width(text, 11) + 18));
        if (model.Nodes.Any(n => n.Current))
        {
            Add("current", "▶ current step");
        }

        if (model.Nodes.Any(n => n.Visited))
        {
            Add("visited", "✓ passed");
        }

        if (model.Edges.Any(e => e.Taken))
        {
            Add("taken", "path taken");
        }

        if (model.Edges.Any(e => e.Conditional))
        {
            Add("conditional", "conditional route");
        }

        if (model.Nodes.Any(n => n.Error is not null))
        {
            Add("error", "⚠ error");
        }

        return entries;
    }

    private static void WriteLegend(StringBuilder svg, List<LegendEntry> entries, double x, double y)
    {
        svg.Append("<g class=\"legend\" font-size=\"11\" fill=\"").Append(WorkflowDiagramModel.Muted).Append("\">");
        foreach (var entry in entries)
        {
            var swatch = new Box(x, y - 7, 26, 14);
            switch (entry.Kind)
            {
                case "current": Rect(svg, swatch, 3, "#DCEBF7", Blue, 3, null); break;
                case "visited": Rect(svg, swatch, 3, "#E2F3EC", Green, 2, null); break;
                case "error": Rect(svg, swatch, 3, "#FDF0E8", Vermillion, 2.5, "5 3"); break;
                default:
                    var taken = entry.Kind == "taken";
                    svg.Append("<path d=\"M").AppendNumber(x).Append(' ').AppendNumber(y).Append(" H").AppendNumber(x + 26)
                        .Append("\" fill=\"none\" stroke=\"").Append(taken ? Blue : EdgeGrey).Append("\" stroke-width=\"").Append(taken ? "3" : "1.4").Append('"')
                        .Append(taken ? "" : " stroke-dasharray=\"6 4\"")
                        .Append(" marker-end=\"url(#").Append(taken ? "diagram-arrow-taken" : "diagram-arrow").Append(")\"/>");
                    break;
            }

            svg.Append("<text x=\"").AppendNumber(x + 34).Append("\" y=\"").AppendNumber(y + 4).Append("\">").AppendEscaped(entry.Text).Append("</text>");
            x += entry.Width;
        }

        svg.Append("</g>\n");
    }
}
