using System.Xml.Linq;
using JointOps.Engine.Definitions;
using JointOps.Server.Web;

namespace JointOps.Server.Tests.Web;

public sealed class WorkflowDiagramTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    private static readonly DiagramState MidwayState = new(
        "receiving-decision",
        ["supervisor-review", "central-authority", "acknowledgement"],
        [("supervisor-review", "central-authority"), ("central-authority", "acknowledgement"), ("acknowledgement", "receiving-decision")]);

    private static WorkflowDefinition Shipped(string name)
    {
        var result = DefinitionLoader.Load(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "workflows", $"{name}.json")));
        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        return result.Definition!;
    }

    private static XElement Render(WorkflowDefinition definition, DiagramState? state = null) =>
        XDocument.Parse(WorkflowDiagram.RenderSvg(definition, state)).Root!;

    private static XElement ById(XElement svg, string id) =>
        svg.Descendants().Single(e => (string?)e.Attribute("id") == id);

    private static string[] Classes(XElement element) => ((string?)element.Attribute("class") ?? "").Split(' ');

    private static IEnumerable<XElement> Steps(XElement svg) => svg.Descendants(Svg + "g").Where(g => Classes(g).Contains("step"));

    private static IEnumerable<XElement> Edges(XElement svg) => svg.Descendants(Svg + "g").Where(g => Classes(g).Contains("edge"));

    private static string DataStep(XElement step) => (string)step.Attribute("data-step")!;

    private static string TitleOf(XElement element) => element.Element(Svg + "title")!.Value;

    private static string TextOf(XElement element) => string.Join(" ", element.Elements(Svg + "text").Select(t => t.Value));

    private static WorkflowDefinition Chain(int steps)
    {
        var deadline = new Dictionary<string, DeadlineSpec>
        {
            ["normal"] = new() { Duration = "P1D" },
            ["urgent"] = new() { Duration = "PT8H" },
            ["critical"] = new() { Duration = "PT1H" },
        };
        var list = new List<StepDefinition>();
        for (var i = 1; i <= steps - 2; i++)
        {
            var decisions = new List<DecisionDefinition>
            {
                new() { Name = "next", To = i == steps - 2 ? "done" : $"step-{i + 1}" },
                new() { Name = "withdraw", To = "withdrawn" },
            };
            if (i % 10 == 0)
            {
                decisions.Add(new() { Name = "return", To = $"step-{i - 1}" });
            }

            list.Add(new StepDefinition { Id = $"step-{i}", Title = $"Step {i}", Actor = new ActorSpec { Role = "Officer" }, Deadline = deadline, Decisions = decisions });
        }

        list.Add(new StepDefinition { Id = "done", Title = "Done", Terminal = "completed" });
        list.Add(new StepDefinition { Id = "withdrawn", Title = "Withdrawn", Terminal = "withdrawn" });
        return new WorkflowDefinition { Name = "long-chain", Version = 1, Title = "Long chain", Start = "step-1", Steps = list };
    }

    [Theory]
    [InlineData("mutual-assistance")]
    [InlineData("urgent-rescue")]
    public void A_shipped_definition_renders_one_node_per_step_and_one_edge_per_decision_and_target(string name)
    {
        var definition = Shipped(name);

        var svg = Render(definition);

        Assert.Equal(Svg + "svg", svg.Name);
        var steps = Steps(svg).ToList();
        Assert.Equal(definition.Steps.Select(s => s.Id), steps.Select(DataStep));
        Assert.All(definition.Steps, s => Assert.Equal(s.Id, DataStep(ById(svg, "step-" + s.Id))));

        var expected = definition.Steps
            .SelectMany(s => s.Decisions.SelectMany(d => d.Targets().Distinct().Select(t => $"edge-{s.Id}-{d.Name}-{t}")))
            .ToList();
        var edges = Edges(svg).Select(e => (string?)e.Attribute("id")).ToList();
        Assert.Equal(expected.Order(StringComparer.Ordinal), edges.Order(StringComparer.Ordinal));
        Assert.All(Edges(svg), e => Assert.NotNull(e.Element(Svg + "path")?.Attribute("d")));
        Assert.All(expected, id => Assert.NotNull(ById(svg, "label-" + id)));
    }

    [Fact]
    public void The_current_step_visited_steps_and_taken_transitions_are_marked_by_class_and_text()
    {
        var svg = Render(Shipped("mutual-assistance"), MidwayState);

        var current = ById(svg, "step-receiving-decision");
        Assert.Contains("current", Classes(current));
        Assert.Contains("▶ current step", TextOf(current), StringComparison.Ordinal);
        var currentSteps = Steps(svg).Where(s => Classes(s).Contains("current")).Select(DataStep);
        Assert.Equal("receiving-decision", Assert.Single(currentSteps));

        string[] passed = ["supervisor-review", "central-authority", "acknowledgement"];
        Assert.Equal(passed, Steps(svg).Where(s => Classes(s).Contains("visited")).Select(DataStep));
        Assert.All(passed, id => Assert.Contains("✓ passed", TextOf(ById(svg, "step-" + id)), StringComparison.Ordinal));

        string[] taken =
        [
            "edge-acknowledgement-acknowledge-receiving-decision",
            "edge-central-authority-approve-acknowledgement",
            "edge-supervisor-review-approve-central-authority",
        ];
        Assert.Equal(taken, Edges(svg).Where(e => Classes(e).Contains("taken")).Select(e => (string)e.Attribute("id")!).Order(StringComparer.Ordinal));
        Assert.DoesNotContain("taken", Classes(ById(svg, "edge-supervisor-review-approve-acknowledgement")));
        Assert.Equal("url(#diagram-arrow-taken)", (string?)ById(svg, taken[0]).Element(Svg + "path")!.Attribute("marker-end"));
        Assert.Contains("taken", Classes(ById(svg, "label-" + taken[0])));

        Assert.Contains("terminal", Classes(ById(svg, "step-closed")));
        Assert.DoesNotContain("current", Classes(ById(svg, "step-closed")));
    }

    [Fact]
    public void The_diagram_is_labelled_for_assistive_technology()
    {
        var svg = Render(Shipped("mutual-assistance"), MidwayState);

        Assert.Equal("img", (string?)svg.Attribute("role"));
        Assert.Equal("Workflow mutual-assistance v1", ById(svg, (string)svg.Attribute("aria-labelledby")!).Value);
        var description = ById(svg, (string)svg.Attribute("aria-describedby")!).Value;
        Assert.Contains("Current step: Decision to execute or refuse.", description, StringComparison.Ordinal);
        Assert.Contains("Supervisor review → Central authority approval and transmission (approve)", description, StringComparison.Ordinal);

        var review = TitleOf(ById(svg, "step-supervisor-review"));
        Assert.Contains("Who acts: Supervisor · requesting (unit)", review, StringComparison.Ordinal);
        Assert.Contains("approve → Acknowledgement of receipt (acknowledgement) if priority = critical, Central authority approval and transmission (central-authority) otherwise", review, StringComparison.Ordinal);
        Assert.Contains("withdraw (by Officer · requesting (owner)) → Withdrawn (withdrawn)", review, StringComparison.Ordinal);
        Assert.Contains("Supervisor · requesting (unit)", TextOf(ById(svg, "step-supervisor-review")), StringComparison.Ordinal);
        Assert.Contains("outcome: refused", TextOf(ById(svg, "step-refused")), StringComparison.Ordinal);
        Assert.All(Edges(svg), e => Assert.False(string.IsNullOrWhiteSpace(TitleOf(e))));
    }

    [Fact]
    public void Loops_self_transitions_and_conditional_routes_are_drawn_and_labelled()
    {
        var svg = Render(Shipped("mutual-assistance"));

        Assert.Contains("back", Classes(ById(svg, "edge-amendment-resubmit-supervisor-review")));
        Assert.Contains("back", Classes(ById(svg, "edge-information-requested-provide-information-receiving-decision")));
        Assert.Contains("back", Classes(ById(svg, "edge-results-review-request-further-measures-execution")));
        Assert.Contains("self", Classes(ById(svg, "edge-execution-deliver-partial-results-execution")));
        Assert.Equal("approve if priority = critical", TextOf(ById(svg, "label-edge-supervisor-review-approve-acknowledgement")));
        Assert.Equal("approve otherwise", TextOf(ById(svg, "label-edge-supervisor-review-approve-central-authority")));
        Assert.NotNull(ById(svg, "edge-supervisor-review-approve-acknowledgement").Element(Svg + "path")!.Attribute("stroke-dasharray"));
    }

    [Fact]
    public void A_parallel_step_shows_each_branch()
    {
        var svg = Render(Shipped("urgent-rescue"));

        var joint = ById(svg, "step-joint-approval");
        Assert.Contains("parallel", Classes(joint));
        var text = TextOf(joint);
        Assert.Contains("parallel · all of", text, StringComparison.Ordinal);
        Assert.Contains("CentralAuthority · requesting", text, StringComparison.Ordinal);
        Assert.Contains("Approver · receiving", text, StringComparison.Ordinal);
        Assert.Equal("approve (vote)", TextOf(ById(svg, "label-edge-joint-approval-approve-rescue-operation")));
    }

    [Fact]
    public void An_error_is_shown_on_the_step_it_concerns()
    {
        var errors = new Dictionary<string, string> { ["amendment"] = "Unknown step 'nowhere'." };

        var svg = Render(Shipped("mutual-assistance"), new DiagramState(null, [], [], errors));

        var amendment = ById(svg, "step-amendment");
        Assert.Contains("error", Classes(amendment));
        Assert.Contains("⚠ Unknown step 'nowhere'.", TextOf(amendment), StringComparison.Ordinal);
        Assert.Contains("Error: Unknown step 'nowhere'.", TitleOf(amendment), StringComparison.Ordinal);
        Assert.Equal("amendment", Assert.Single(Steps(svg).Where(s => Classes(s).Contains("error")).Select(DataStep)));
    }

    [Fact]
    public void Text_typed_by_an_admin_is_escaped()
    {
        var definition = Shipped("mutual-assistance") with { Name = "x\"><script>alert(1)</script>" };
        definition = definition with
        {
            Steps = definition.Steps.Select(s => s.Id == "execution" ? s with { Title = "<b>Raid</b> & \"search\" 'now'" } : s).ToList(),
        };
        var errors = new Dictionary<string, string> { ["execution"] = "</text><script>alert(2)</script>" };

        var raw = WorkflowDiagram.RenderSvg(definition, new DiagramState(null, [], [], errors));
        var svg = XDocument.Parse(raw).Root!;

        Assert.Empty(svg.Descendants(Svg + "script"));
        Assert.DoesNotContain("<script", raw, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("<b>", raw, StringComparison.Ordinal);
        var execution = ById(svg, "step-execution");
        Assert.Contains("<b>Raid</b> & \"search\" 'now'", TextOf(execution) + TitleOf(execution), StringComparison.Ordinal);
        Assert.Contains("</text><script>alert(2)</script>", TitleOf(execution), StringComparison.Ordinal);
        Assert.Equal("Workflow x\"><script>alert(1)</script> v1", svg.Element(Svg + "title")!.Value);
    }

    [Fact]
    public void The_svg_has_no_styles_scripts_or_external_references()
    {
        foreach (var (definition, state) in new[] { (Shipped("mutual-assistance"), MidwayState), (Shipped("urgent-rescue"), null) })
        {
            var svg = Render(definition, state);

            var all = svg.DescendantsAndSelf().ToList();
            Assert.DoesNotContain(all, e => e.Name.LocalName is "style" or "script" or "image" or "use" or "a" or "foreignObject");
            Assert.DoesNotContain(all.SelectMany(e => e.Attributes()), a => a.Name.LocalName == "style" || a.Name.LocalName.StartsWith("on", StringComparison.Ordinal) || a.Name.LocalName == "href");
            Assert.All(all.SelectMany(e => e.Attributes()).Where(a => a.Value.Contains("url(", StringComparison.Ordinal)), a => Assert.StartsWith("url(#", a.Value, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void The_same_definition_and_state_always_give_the_same_svg()
    {
        var definition = Shipped("mutual-assistance");
        var reordered = new DiagramState(
            "receiving-decision",
            MidwayState.VisitedSteps.Reverse().ToList(),
            MidwayState.TakenTransitions.Reverse().ToHashSet());

        var first = WorkflowDiagram.RenderSvg(definition, MidwayState);

        Assert.Equal(first, WorkflowDiagram.RenderSvg(definition, MidwayState));
        Assert.Equal(first, WorkflowDiagram.RenderSvg(Shipped("mutual-assistance"), reordered));
    }

    [Fact]
    public void A_200_step_definition_renders_every_step_and_edge()
    {
        var definition = Chain(200);
        Assert.True(DefinitionLoader.Load(DefinitionLoader.Serialize(definition)).IsValid);

        var svg = XDocument.Parse(WorkflowDiagram.RenderSvg(definition, new DiagramState("step-150", ["step-149"], [("step-149", "step-150")]))).Root!;

        Assert.Equal(200, Steps(svg).Count());
        Assert.Equal(198 * 2 + 19, Edges(svg).Count());
        Assert.Contains("current", Classes(ById(svg, "step-step-150")));
    }

    [Fact]
    public void A_definition_still_being_edited_renders_without_failing()
    {
        var valid = Shipped("mutual-assistance");
        var steps = valid.Steps.ToList();
        steps[0] = steps[0] with { Decisions = [.. steps[0].Decisions, new DecisionDefinition { Name = "escalate", To = "nowhere" }] };
        steps.Add(steps[1]);
        steps.Add(new StepDefinition { Id = "Bad Id!", Title = "", Terminal = "completed", Decisions = [new DecisionDefinition { Name = "reopen", To = "closed" }] });
        steps.Add(new StepDefinition { Id = "orphan", Title = "Orphan" });
        var broken = valid with { Start = "missing", Steps = steps };

        var svg = Render(broken);

        Assert.Equal(steps.Count, Steps(svg).Count());
        Assert.Equal(steps.Count, Steps(svg).Select(s => (string)s.Attribute("id")!).Distinct().Count());
        Assert.Contains("'nowhere' (unknown step)", TitleOf(ById(svg, "step-supervisor-review")), StringComparison.Ordinal);
        Assert.Equal("Bad Id!", DataStep(ById(svg, "step-Bad_Id_")));
        Assert.NotNull(ById(svg, "edge-Bad_Id_-reopen-closed"));
        Assert.Single(Steps(Render(new WorkflowDefinition { Name = "draft", Steps = [new StepDefinition { Id = "only" }] })));
        Assert.Empty(Steps(Render(new WorkflowDefinition())));
    }
}
