using System.Reflection;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using JointOps.Engine.Definitions;

namespace JointOps.Engine.Tests;

public sealed class DefinitionValidationTests
{
    private static readonly JsonNode Schema = JsonNode.Parse(File.ReadAllText(Path.Combine(Repository.Root, "workflows", "workflow.schema.json")))!;

    private static JsonNode Parse(string json) => JsonNode.Parse(json)!;

    private static void AssertSingle(IReadOnlyList<DefinitionError> errors, string path, string message)
    {
        var error = Assert.Single(errors);
        Assert.Equal(path, error.Path);
        Assert.Equal(message, error.Message);
    }

    [Theory]
    [InlineData("mutual-assistance")]
    [InlineData("urgent-rescue")]
    public void A_shipped_definition_is_valid(string name)
    {
        var result = DefinitionLoader.Load(Repository.ReadWorkflow(name));

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
        Assert.Equal(name, result.Definition!.Name);
        Assert.Equal(1, result.Definition.Version);
    }

    [Fact]
    public void The_minimal_definition_used_by_these_tests_is_valid()
    {
        var result = DefinitionLoader.Load(MinimalDefinition.Json);

        Assert.True(result.IsValid, string.Join("; ", result.Errors));
    }

    [Theory]
    [InlineData("mutual-assistance")]
    [InlineData("urgent-rescue")]
    public void A_serialized_definition_loads_back_to_the_same_definition(string name)
    {
        var json = DefinitionLoader.Serialize(Shipped.Load(name));

        var reloaded = DefinitionLoader.Load(json);

        Assert.True(reloaded.IsValid, string.Join("; ", reloaded.Errors));
        Assert.Equal(json, DefinitionLoader.Serialize(reloaded.Definition!));
    }

    [Fact]
    public void Comments_and_trailing_commas_are_accepted()
    {
        var json = MinimalDefinition.Json.Replace("\"version\": 1,", "// the first version\n  \"version\": 1,", StringComparison.Ordinal)
            .Replace("[0.5, 0.8]", "[0.5, 0.8,]", StringComparison.Ordinal);

        Assert.True(DefinitionLoader.Load(json).IsValid);
    }

    [Fact]
    public void An_unknown_step_target_is_reported_at_the_decision_to()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
            d.Step(0)["decisions"]!.AsArray().Add(Parse("""{ "name": "escalate", "to": "nowhere" }""")));

        AssertSingle(errors, "$.steps[0].decisions[2].to", "Unknown step 'nowhere'.");
    }

    [Fact]
    public void An_unknown_route_target_is_reported_at_the_route()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            d.Decision(0, 0).Remove("to");
            d.Decision(0, 0)["routes"] = Parse("""
                [{ "when": { "field": "priority", "equalTo": "critical" }, "to": "done" }, { "to": "nowhere" }]
                """);
        });

        AssertSingle(errors, "$.steps[0].decisions[0].routes[1].to", "Unknown step 'nowhere'.");
    }

    [Fact]
    public void An_unreachable_step_is_reported_at_the_step()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
            d["steps"]!.AsArray().Add(Parse("""{ "id": "orphan", "title": "Orphan", "terminal": "completed" }""")));

        AssertSingle(errors, "$.steps[3]", "Step 'orphan' cannot be reached from the start step.");
    }

    [Fact]
    public void A_cycle_with_no_exit_is_reported_at_each_of_its_steps()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            d.Step(0)["decisions"]!.AsArray().Add(Parse("""{ "name": "park", "to": "limbo-a" }"""));
            var steps = d["steps"]!.AsArray();
            foreach (var (id, next) in new[] { ("limbo-a", "limbo-b"), ("limbo-b", "limbo-a") })
            {
                var step = d.Step(0).DeepClone().AsObject();
                step["id"] = id;
                step["decisions"] = new JsonArray(new JsonObject { ["name"] = "next", ["to"] = next });
                steps.Add(step);
            }
        });

        Assert.Equal(
            ["$.steps[3]: Step 'limbo-a' has no way to a terminal step.", "$.steps[4]: Step 'limbo-b' has no way to a terminal step."],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void A_definition_without_any_terminal_step_is_reported_at_the_steps()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            d.Decision(0, 0)["to"] = "review";
            d.Decision(0, 1)["to"] = "review";
            d["steps"]!.AsArray().RemoveAt(2);
            d["steps"]!.AsArray().RemoveAt(1);
        });

        Assert.Equal(
            ["$.steps: A definition needs at least one terminal step.", "$.steps[0]: Step 'review' has no way to a terminal step."],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void A_duplicate_step_id_is_reported_at_the_second_id()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
            d["steps"]!.AsArray().Add(Parse("""{ "id": "done", "title": "Done again", "terminal": "completed" }""")));

        Assert.Contains(new DefinitionError("$.steps[3].id", "Duplicate step id 'done' (first at $.steps[1])."), errors);
    }

    [Theory]
    [InlineData("normal")]
    [InlineData("urgent")]
    [InlineData("critical")]
    public void A_missing_deadline_for_a_priority_is_reported_at_that_priority(string priority)
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Step(0)["deadline"]!.AsObject().Remove(priority));

        AssertSingle(errors, $"$.steps[0].deadline.{priority}", $"Missing deadline for priority '{priority}'.");
    }

    [Fact]
    public void A_step_without_any_deadline_is_reported_for_every_priority()
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Step(0).Remove("deadline"));

        Assert.Equal(
            ["$.steps[0].deadline.normal", "$.steps[0].deadline.urgent", "$.steps[0].deadline.critical"],
            errors.Select(e => e.Path));
    }

    [Fact]
    public void A_deadline_for_an_unknown_priority_is_reported_at_its_key()
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Step(0)["deadline"]!["whenever"] = Parse("""{ "duration": "P1D" }"""));

        AssertSingle(errors, "$.steps[0].deadline.whenever", "Unknown priority 'whenever'; use one of: normal, urgent, critical.");
    }

    [Fact]
    public void An_unknown_role_of_a_step_actor_is_reported_at_its_role()
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Step(0)["actor"]!["role"] = "Commander");

        AssertSingle(errors, "$.steps[0].actor.role",
            "Role 'Commander' does not exist; use one of: Officer, Supervisor, CentralAuthority, Liaison, Approver, ExecutingUnit, Admin, Auditor.");
    }

    [Fact]
    public void An_unknown_role_in_a_by_or_an_escalation_is_reported_at_its_role()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            d.Decision(0, 1)["by"] = Parse("""{ "role": "Commander", "side": "requesting" }""");
            d.Step(0)["escalation"]!["to"]!["role"] = "Chief";
        });

        Assert.Equal(["$.steps[0].escalation.to.role", "$.steps[0].decisions[1].by.role"], errors.Select(e => e.Path));
    }

    [Fact]
    public void Roles_are_those_the_validator_is_given()
    {
        var definition = DefinitionLoader.Load(MinimalDefinition.Json).Definition!;
        var validator = new DefinitionValidator(["Supervisor"]);

        var errors = validator.Validate(definition);

        Assert.Equal("$.steps[0].escalation.to.role", Assert.Single(errors).Path);
    }

    [Theory]
    [InlineData("2 days")]
    [InlineData("P0D")]
    [InlineData("PT0S")]
    [InlineData("-P1D")]
    [InlineData("P")]
    [InlineData("PT")]
    [InlineData("1D")]
    [InlineData("")]
    public void A_bad_duration_is_reported_at_the_duration(string duration)
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Step(0)["deadline"]!["urgent"]!["duration"] = duration);

        AssertSingle(errors, "$.steps[0].deadline.urgent.duration", $"'{duration}' is not a positive ISO-8601 duration (e.g. P30D, PT8H).");
    }

    [Fact]
    public void A_bad_escalation_interval_is_reported_at_every()
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Step(0)["escalation"]!["every"] = "hourly");

        AssertSingle(errors, "$.steps[0].escalation.every", "'hourly' is not a positive ISO-8601 duration of at most 3650 days.");
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(1.5)]
    [InlineData(-0.2)]
    public void A_reminder_outside_the_allowed_time_is_reported_at_the_reminder(double fraction)
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Step(0)["reminders"]![1] = fraction);

        AssertSingle(errors, "$.steps[0].reminders[1]", "A reminder is a fraction of the allowed time, between 0 and 1 exclusive.");
    }

    [Fact]
    public void A_condition_on_an_unknown_field_is_reported_at_the_field()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            d.Decision(0, 0).Remove("to");
            d.Decision(0, 0)["routes"] = Parse("""
                [{ "when": { "field": "colour", "equalTo": "red" }, "to": "rejected" }, { "to": "done" }]
                """);
        });

        AssertSingle(errors, "$.steps[0].decisions[0].routes[0].when.field",
            "Unknown field 'colour'; use one of: priority, type, requestingCountry, receivingCountry.");
    }

    [Fact]
    public void A_condition_with_two_tests_is_reported_at_the_condition()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            d.Decision(0, 0).Remove("to");
            d.Decision(0, 0)["routes"] = Parse("""
                [{ "when": { "field": "type", "equalTo": "victim-rescue", "in": ["arrest"] }, "to": "rejected" }, { "to": "done" }]
                """);
        });

        AssertSingle(errors, "$.steps[0].decisions[0].routes[0].when", "A condition has exactly one of 'equalTo', 'in' or 'notIn'.");
    }

    [Fact]
    public void A_conditional_last_route_is_reported_at_that_route()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            d.Decision(0, 0).Remove("to");
            d.Decision(0, 0)["routes"] = Parse("""
                [{ "to": "done" }, { "when": { "field": "priority", "in": ["urgent", "critical"] }, "to": "rejected" }]
                """);
        });

        Assert.Equal(
            [
                "$.steps[0].decisions[0].routes[0]: Only the last route may have no condition.",
                "$.steps[0].decisions[0].routes[1]: The last route must have no condition, so the decision always leads somewhere.",
            ],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void A_single_conditional_route_is_reported_as_the_last_route()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            d.Decision(0, 0).Remove("to");
            d.Decision(0, 0)["routes"] = Parse("""[{ "when": { "field": "priority", "notIn": ["normal"] }, "to": "done" }]""");
        });

        AssertSingle(errors, "$.steps[0].decisions[0].routes[0]", "The last route must have no condition, so the decision always leads somewhere.");
    }

    [Fact]
    public void Empty_routes_are_reported_at_routes()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            d.Decision(0, 0).Remove("to");
            d.Decision(0, 0)["routes"] = new JsonArray();
        });

        Assert.Equal("$.steps[0].decisions[0].routes: Routes must not be empty.", errors[0].ToString());
    }

    [Fact]
    public void A_decision_with_both_to_and_routes_is_reported_at_the_decision()
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Decision(0, 0)["routes"] = Parse("""[{ "to": "done" }]"""));

        AssertSingle(errors, "$.steps[0].decisions[0]", "A decision has exactly one of 'to' or 'routes'.");
    }

    [Fact]
    public void A_vote_on_a_step_that_is_not_parallel_is_reported_at_the_vote()
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Decision(0, 0)["vote"] = true);

        AssertSingle(errors, "$.steps[0].decisions[0].vote", "Only decisions of a parallel step can be votes.");
    }

    [Fact]
    public void A_parallel_step_without_a_vote_is_reported_at_its_decisions()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            d.Step(0).Remove("actor");
            d.Step(0)["parallel"] = Parse("""
                { "mode": "all-of", "branches": [
                    { "id": "requesting", "actor": { "role": "CentralAuthority", "side": "requesting" } },
                    { "id": "receiving", "actor": { "role": "Approver", "side": "receiving" } } ] }
                """);
        });

        AssertSingle(errors, "$.steps[0].decisions", "A parallel step needs at least one decision with \"vote\": true.");
    }

    [Fact]
    public void A_parallel_step_with_one_branch_or_repeated_branch_ids_is_reported_at_its_branches()
    {
        var oneBranch = MinimalDefinition.ErrorsAfter(d =>
        {
            d.Step(0).Remove("actor");
            d.Step(0)["parallel"] = Parse("""{ "mode": "any-of", "branches": [{ "id": "only", "actor": { "role": "Approver", "side": "receiving" } }] }""");
            d.Decision(0, 0)["vote"] = true;
        });
        var repeated = MinimalDefinition.ErrorsAfter(d =>
        {
            d.Step(0).Remove("actor");
            d.Step(0)["parallel"] = Parse("""
                { "mode": "any-of", "branches": [
                    { "id": "side", "actor": { "role": "CentralAuthority", "side": "requesting" } },
                    { "id": "side", "actor": { "role": "Approver", "side": "receiving" } } ] }
                """);
            d.Decision(0, 0)["vote"] = true;
        });

        AssertSingle(oneBranch, "$.steps[0].parallel.branches", "A parallel step needs at least two branches.");
        AssertSingle(repeated, "$.steps[0].parallel.branches[1].id", "Duplicate branch id 'side'.");
    }

    [Fact]
    public void A_step_with_both_an_actor_and_a_terminal_outcome_is_reported_at_the_step()
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Step(0)["terminal"] = "completed");

        Assert.Contains(new DefinitionError("$.steps[0]", "A step has exactly one of 'actor', 'parallel' or 'terminal'."), errors);
    }

    [Fact]
    public void A_terminal_step_with_decisions_or_an_unknown_outcome_is_reported()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            d.Step(1)["terminal"] = "finished";
            d.Step(1)["decisions"] = Parse("""[{ "name": "reopen", "to": "review" }]""");
        });

        Assert.Equal(
            [
                "$.steps[1].terminal: Unknown outcome 'finished'; use one of: completed, rejected, refused, withdrawn.",
                "$.steps[1].decisions: A terminal step takes no decisions.",
            ],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void A_terminal_start_step_is_reported_at_start()
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d["start"] = "done");

        Assert.Contains(new DefinitionError("$.start", "The start step cannot be terminal."), errors);
    }

    [Fact]
    public void A_missing_start_step_is_reported_at_start()
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d["start"] = "draft");

        AssertSingle(errors, "$.start", "Start step 'draft' does not exist.");
    }

    [Fact]
    public void Owner_or_unit_scope_on_the_receiving_side_is_reported_at_the_scope()
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Step(0)["actor"] = Parse("""{ "role": "Approver", "side": "receiving", "scope": "owner" }"""));

        AssertSingle(errors, "$.steps[0].actor.scope", "Scopes 'owner' and 'unit' apply to the requesting side only.");
    }

    [Fact]
    public void Duplicate_and_badly_named_decisions_are_reported_at_their_names()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            d.Decision(0, 1)["name"] = "approve";
            d.Step(0)["decisions"]!.AsArray().Add(Parse("""{ "name": "Send Back", "to": "rejected" }"""));
        });

        Assert.Equal(
            [
                "$.steps[0].decisions[1].name: Duplicate decision 'approve' in step 'review'.",
                "$.steps[0].decisions[2].name: Decision name must be lower-case words joined by hyphens, e.g. 'request-information'.",
            ],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void More_decisions_than_the_cap_are_reported_at_decisions()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            var decisions = d.Step(0)["decisions"]!.AsArray();
            for (var i = decisions.Count; i < 21; i++)
            {
                decisions.Add(new JsonObject { ["name"] = $"option-{i}", ["to"] = "done" });
            }
        });

        AssertSingle(errors, "$.steps[0].decisions", "A step may have at most 20 decisions; it has 21.");
    }

    [Fact]
    public void Name_version_and_titles_are_checked_together()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            d["name"] = "Mutual Assistance";
            d["version"] = 0;
            d["title"] = " ";
            d.Step(1)["title"] = "";
        });

        Assert.Equal(["$.name", "$.version", "$.title", "$.steps[1].title"], errors.Select(e => e.Path));
    }

    [Fact]
    public void A_badly_formed_step_id_is_reported_at_the_id()
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Step(2)["id"] = "Rejected");

        Assert.Contains(new DefinitionError("$.steps[2].id", "Step id must be lower-case words joined by hyphens."), errors);
    }

    [Fact]
    public void A_definition_without_steps_is_reported_at_steps()
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d["steps"] = new JsonArray());

        Assert.Contains(new DefinitionError("$.steps", "A definition needs at least one step."), errors);
    }

    [Fact]
    public void Two_hundred_steps_are_allowed()
    {
        var definition = Chain(200);

        Assert.True(DefinitionLoader.Load(definition.ToJsonString()).IsValid);
    }

    [Fact]
    public void More_than_two_hundred_steps_are_reported_at_steps()
    {
        var definition = Chain(201);

        AssertSingle(DefinitionLoader.Load(definition.ToJsonString()).Errors, "$.steps", "A definition may have at most 200 steps; it has 201.");
    }

    [Fact]
    public void The_step_cap_is_configurable()
    {
        var definition = DefinitionLoader.Load(MinimalDefinition.Json).Definition!;

        var errors = new DefinitionValidator(Vocabulary.Roles, maxSteps: 2).Validate(definition);

        AssertSingle(errors, "$.steps", "A definition may have at most 2 steps; it has 3.");
    }

    // step-1 -> step-2 -> ... -> a terminal step, 'count' steps in all.
    private static JsonObject Chain(int count)
    {
        var definition = MinimalDefinition.Node();
        var template = definition.Step(0);
        var steps = new JsonArray();
        for (var i = 1; i < count; i++)
        {
            var step = template.DeepClone().AsObject();
            step["id"] = $"step-{i}";
            step["decisions"] = new JsonArray(new JsonObject { ["name"] = "next", ["to"] = i + 1 < count ? $"step-{i + 1}" : "done" });
            steps.Add(step);
        }

        steps.Add(definition.Step(1).DeepClone());
        definition["steps"] = steps;
        definition["start"] = "step-1";
        return definition;
    }

    [Fact]
    public void Malformed_json_is_a_parse_error_with_its_path()
    {
        var errors = DefinitionLoader.Load("""{ "name": "minimal", "steps": [ { "id": "review" """).Errors;

        var error = Assert.Single(errors);
        Assert.Equal("$.steps[0]", error.Path);
        Assert.DoesNotContain("LineNumber", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Empty_input_is_a_parse_error_at_the_root()
    {
        AssertSingle(DefinitionLoader.Load("").Errors, "$",
            "The input does not contain any JSON tokens. Expected the input to start with a valid JSON token, when isFinalBlock is true.");
        AssertSingle(DefinitionLoader.Load("null").Errors, "$", "The definition is empty.");
    }

    [Fact]
    public void An_unknown_property_is_a_parse_error_at_that_property()
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Step(0)["actor"]!["colour"] = "blue");

        AssertSingle(errors, "$.steps[0].actor.colour",
            "The JSON property 'colour' could not be mapped to any .NET member contained in type 'JointOps.Engine.Definitions.ActorSpec'.");
    }

    [Fact]
    public void A_value_of_the_wrong_type_is_a_parse_error_at_that_value()
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d["version"] = "one");

        AssertSingle(errors, "$.version", "The JSON value could not be converted to System.Int32.");
    }

    [Theory]
    [InlineData("side", "sideways", "$.steps[0].actor.side")]
    [InlineData("side", "1", "$.steps[0].actor.side")]
    [InlineData("scope", "team", "$.steps[0].actor.scope")]
    public void An_unknown_enum_value_is_a_parse_error_at_that_value(string property, string value, string path)
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Step(0)["actor"]![property] = value);

        Assert.Equal(path, Assert.Single(errors).Path);
    }

    [Fact]
    public void A_numeric_enum_value_is_a_parse_error()
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Step(0)["deadline"]!["normal"]!["time"] = 1);

        Assert.Equal("$.steps[0].deadline.normal.time", Assert.Single(errors).Path);
    }

    [Theory]
    [InlineData("start", "$.start")]
    [InlineData("name", "$.name")]
    [InlineData("steps", "$.steps")]
    public void A_null_for_a_required_property_is_a_parse_error_at_that_property(string property, string path)
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d[property] = null);

        Assert.Equal(path, Assert.Single(errors).Path);
    }

    [Fact]
    public void A_null_route_target_is_a_parse_error_at_the_target()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            d.Decision(0, 0).Remove("to");
            d.Decision(0, 0)["routes"] = Parse("""[{ "to": null }]""");
        });

        Assert.Equal("$.steps[0].decisions[0].routes[0].to", Assert.Single(errors).Path);
    }

    [Fact]
    public void A_null_item_in_a_list_or_deadline_map_is_reported_at_that_item()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            d["steps"]!.AsArray().Add(null);
            d.Step(0)["decisions"]!.AsArray().Add(null);
            d.Step(0)["deadline"]!["urgent"] = null;
        });

        Assert.Equal(
            [
                "$.steps[0].deadline.urgent: The value cannot be null.",
                "$.steps[0].decisions[2]: The value cannot be null.",
                "$.steps[3]: The value cannot be null.",
            ],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Every_problem_is_reported_not_only_the_first()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            d.Step(0)["actor"]!["role"] = "Commander";
            d.Step(0)["deadline"]!["normal"]!["duration"] = "soon";
            d.Decision(0, 1)["to"] = "nowhere";
        });

        Assert.Equal(
            ["$.steps[0].actor.role", "$.steps[0].deadline.normal.duration", "$.steps[0].decisions[1].to", "$.steps[2]"],
            errors.Select(e => e.Path));
    }

    [Theory]
    [InlineData(typeof(WorkflowDefinition), "")]
    [InlineData(typeof(StepDefinition), "$defs.step")]
    [InlineData(typeof(ActorSpec), "$defs.actor")]
    [InlineData(typeof(ParallelSpec), "$defs.parallel")]
    [InlineData(typeof(BranchDefinition), "$defs.parallel.properties.branches.items")]
    [InlineData(typeof(DecisionDefinition), "$defs.decision")]
    [InlineData(typeof(RouteDefinition), "$defs.route")]
    [InlineData(typeof(Condition), "$defs.condition")]
    [InlineData(typeof(DeadlineSpec), "$defs.deadlineSpec")]
    [InlineData(typeof(EscalationSpec), "$defs.escalation")]
    public void The_schema_describes_every_property_of_the_model(Type model, string location)
    {
        var names = model.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.SetMethod is not null)
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(p.Name))
            .Order();

        var described = SchemaAt(location)["properties"]!.AsObject().Select(p => p.Key).Order();

        Assert.Equal(names, described);
    }

    [Theory]
    [InlineData(typeof(Side), "$defs.actor.properties.side")]
    [InlineData(typeof(ActorScope), "$defs.actor.properties.scope")]
    [InlineData(typeof(JoinMode), "$defs.parallel.properties.mode")]
    [InlineData(typeof(TimeBasis), "$defs.deadlineSpec.properties.time")]
    public void The_schema_lists_every_enum_value_in_kebab_case(Type type, string location)
    {
        var values = Enum.GetNames(type).Select(JsonNamingPolicy.KebabCaseLower.ConvertName);

        Assert.Equal(values, SchemaAt(location)["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    [Fact]
    public void The_schema_lists_the_vocabulary()
    {
        Assert.Equal(Vocabulary.Roles, SchemaAt("$defs.role")["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(Vocabulary.Outcomes, SchemaAt("$defs.step.properties.terminal")["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(Vocabulary.ConditionFields, SchemaAt("$defs.condition.properties.field")["enum"]!.AsArray().Select(v => v!.GetValue<string>()));
        Assert.Equal(Vocabulary.Priorities, SchemaAt("$defs.deadline")["required"]!.AsArray().Select(v => v!.GetValue<string>()));
    }

    private static JsonNode SchemaAt(string location) =>
        location.Split('.', StringSplitOptions.RemoveEmptyEntries).Aggregate(Schema, (node, key) => node[key]!);

    [Fact]
    public void A_deadline_longer_than_ten_years_is_refused()
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Step(0)["deadline"]!["normal"]!["duration"] = "P10675199D");

        AssertSingle(errors, "$.steps[0].deadline.normal.duration", "'P10675199D' is longer than the longest deadline allowed, 3650 days.");
    }

    [Fact]
    public void A_misspelt_condition_value_is_refused_rather_than_never_matching()
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Decision(0, 0).Remove("to")
            .Equals(d.Decision(0, 0)["routes"] = JsonNode.Parse("""[{ "when": { "field": "priority", "in": ["critcal"] }, "to": "done" }, { "to": "rejected" }]""")));

        AssertSingle(errors, "$.steps[0].decisions[0].routes[0].when.in", "'critcal' is not a value of 'priority'; use one of: normal, urgent, critical.");
    }

    [Theory]
    [InlineData("""{ "field": "receivingCountry", "equalTo": "JP" }""", "equalTo", "JP")]
    [InlineData("""{ "field": "requestingCountry", "in": ["KR", "kh"] }""", "in", "kh")]
    [InlineData("""{ "field": "priority", "notIn": ["urgent", "later"] }""", "notIn", "later")]
    public void Every_kind_of_condition_test_reports_a_misspelt_value_at_its_own_path(string condition, string test, string value)
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Decision(0, 1).Remove("to")
            .Equals(d.Decision(0, 1)["routes"] = JsonNode.Parse($$"""[{ "to": "done" }, { "when": {{condition}}, "to": "done" }, { "to": "rejected" }]""")));

        Assert.Equal(["$.steps[0].decisions[1].routes[0]", $"$.steps[0].decisions[1].routes[1].when.{test}"], errors.Select(e => e.Path));
        Assert.StartsWith($"'{value}' is not a value of ", errors[1].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_branch_actor_is_checked_at_its_own_path()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            d.Step(0).Remove("actor");
            d.Step(0)["parallel"] = Parse("""
                { "branches": [
                    { "id": "requesting", "actor": { "role": "CentralAuthority", "side": "requesting" } },
                    { "id": "receiving", "actor": { "role": "Commander", "side": "receiving", "scope": "unit" } } ] }
                """);
            d.Decision(0, 0)["vote"] = true;
        });

        Assert.Equal(["$.steps[0].parallel.branches[1].actor.role", "$.steps[0].parallel.branches[1].actor.scope"], errors.Select(e => e.Path));
    }

    [Fact]
    public void Property_names_must_match_their_case()
    {
        var errors = DefinitionLoader.Load(MinimalDefinition.Json.Replace("\"steps\"", "\"Steps\"", StringComparison.Ordinal)).Errors;

        Assert.Equal("$.Steps", Assert.Single(errors).Path);
    }

    [Fact]
    public void A_version_given_as_a_string_is_refused()
    {
        var errors = DefinitionLoader.Load(MinimalDefinition.Json.Replace("\"version\": 1", "\"version\": \"1\"", StringComparison.Ordinal)).Errors;

        Assert.Equal("$.version", Assert.Single(errors).Path);
    }

    [Fact]
    public void A_vote_that_leads_back_to_its_own_step_is_refused()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            d.Step(0).Remove("actor");
            d.Step(0)["parallel"] = Parse("""
                { "mode": "all-of", "branches": [
                    { "id": "requesting", "actor": { "role": "CentralAuthority", "side": "requesting" } },
                    { "id": "receiving", "actor": { "role": "Approver", "side": "receiving" } } ] }
                """);
            d.Decision(0, 0)["vote"] = true;
            d.Decision(0, 0)["to"] = "review";
        });

        Assert.Contains(new DefinitionError("$.steps[0].decisions[0].vote", "A vote completes the step, so it must lead to another step."), errors);
    }
}
