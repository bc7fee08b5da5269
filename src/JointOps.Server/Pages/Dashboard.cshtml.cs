using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using JointOps.Server.Features.Dashboard;
using JointOps.Server.Infrastructure;
using MediatR;
using Microsoft.AspNetCore.Mvc.RazorPages;

namespace JointOps.Server.Pages;

public sealed class DashboardModel(IMediator mediator) : PageModel
{
    public GetDashboard.View Dashboard { get; private set; } = new(0, 0, [], []);

    /// <summary>Median hours per step as an accessible bar chart (SVG, no script).</summary>
    public string Chart { get; private set; } = "";

    public async Task OnGetAsync(CancellationToken cancellationToken)
    {
        Dashboard = (await mediator.Send(new GetDashboard.Query(CurrentUser.From(User)), cancellationToken)).Value!;
        Chart = RenderChart(Dashboard.Durations);
    }

    private static string RenderChart(IReadOnlyList<GetDashboard.StepDuration> durations)
    {
        var max = Math.Max(durations.Count == 0 ? 1 : durations.Max(d => d.MedianHours), 0.01);
        var svg = new StringBuilder().Append(CultureInfo.InvariantCulture,
            $"<svg class=\"chart\" role=\"img\" aria-labelledby=\"chart-title\" viewBox=\"0 0 560 {durations.Count * 28 + 10}\" width=\"100%\"><title id=\"chart-title\">Median hours per step</title>");
        for (var i = 0; i < durations.Count; i++)
        {
            var d = durations[i];
            var width = Math.Max(2, 260 * d.MedianHours / max);
            var step = HtmlEncoder.Default.Encode(d.Step);
            svg.Append(CultureInfo.InvariantCulture, $"<text x=\"0\" y=\"{i * 28 + 20}\">{step}</text>")
               .Append(CultureInfo.InvariantCulture, $"<rect class=\"bar\" x=\"180\" y=\"{i * 28 + 6}\" width=\"{width:0.#}\" height=\"18\"><title>{step}: median {Human(d.MedianHours)} over {d.Samples}</title></rect>")
               .Append(CultureInfo.InvariantCulture, $"<text x=\"{186 + width:0.#}\" y=\"{i * 28 + 20}\">{Human(d.MedianHours)} (n={d.Samples})</text>");
        }

        return svg.Append("</svg>").ToString();
    }

    /// <summary>Minutes, hours or days, whichever reads best.</summary>
    public static string Human(double hours) => hours switch
    {
        < 1.0 / 60 => "< 1 min",
        < 1 => string.Create(CultureInfo.InvariantCulture, $"{hours * 60:0} min"),
        < 48 => string.Create(CultureInfo.InvariantCulture, $"{hours:0.#} h"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{hours / 24:0.#} d"),
    };
}
