using System.Text.Json.Nodes;
using JointOps.Engine.Definitions;

namespace JointOps.Engine.Tests.Properties;

/// <summary>The caps on a definition's size, each refused with a clear message at its path.</summary>
public sealed class DefinitionCapTests
{
    private static void AssertOnly(IReadOnlyList<DefinitionError> errors, string path, string message)
    {
        var error = Assert.Single(errors);
        Assert.Equal(new DefinitionError(path, message), error);
    }

    [Fact]
    public void A_decision_may_have_at_most_twenty_routes()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            var routes = new JsonArray();
            for (var i = 0; i < 20; i++)
            {
                routes.Add(new JsonObject { ["when"] = new JsonObject { ["field"] = "type", ["equalTo"] = $"type-{i}" }, ["to"] = "done" });
            }

            routes.Add(new JsonObject { ["to"] = "done" });
            var approve = d.Decision(0, 0);
            approve.Remove("to");
            approve["routes"] = routes;
        });

        AssertOnly(errors, "$.steps[0].decisions[0].routes", "A decision may have at most 20 routes; it has 21.");
    }

    [Fact]
    public void A_parallel_step_may_have_at_most_ten_branches()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            var step = d.Step(0);
            step.Remove("actor");
            var branches = new JsonArray();
            for (var i = 0; i < 11; i++)
            {
                branches.Add(new JsonObject { ["id"] = $"branch-{i}", ["actor"] = new JsonObject { ["role"] = "Supervisor" } });
            }

            step["parallel"] = new JsonObject { ["branches"] = branches };
            d.Decision(0, 0)["vote"] = true;
        });

        AssertOnly(errors, "$.steps[0].parallel.branches", "A parallel step may have at most 10 branches; it has 11.");
    }

    [Fact]
    public void A_step_may_have_at_most_ten_reminders()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
            d.Step(0)["reminders"] = new JsonArray(Enumerable.Range(1, 11).Select(i => (JsonNode?)JsonValue.Create(i / 12.0)).ToArray()));

        AssertOnly(errors, "$.steps[0].reminders", "A step may have at most 10 reminders; it has 11.");
    }

    [Fact]
    public void A_condition_may_list_at_most_fifty_values()
    {
        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            var approve = d.Decision(0, 0);
            approve.Remove("to");
            approve["routes"] = new JsonArray(
                new JsonObject
                {
                    ["when"] = new JsonObject
                    {
                        ["field"] = "type",
                        ["in"] = new JsonArray(Enumerable.Range(0, 51).Select(i => (JsonNode?)JsonValue.Create($"type-{i}")).ToArray()),
                    },
                    ["to"] = "done",
                },
                new JsonObject { ["to"] = "rejected" });
        });

        AssertOnly(errors, "$.steps[0].decisions[0].routes[0].when.in", "A condition may list at most 50 values; it has 51.");
    }

    [Fact]
    public void Ids_longer_than_the_database_keeps_are_refused()
    {
        var longId = string.Join("-", Enumerable.Repeat("abcdefgh", 8));
        Assert.Equal(71, longId.Length);

        var errors = MinimalDefinition.ErrorsAfter(d =>
        {
            d["name"] = longId;
            d.Decision(0, 1)["name"] = longId;
        });

        Assert.Equal(
            [
                new DefinitionError("$.name", "Name must be at most 64 characters; it has 71."),
                new DefinitionError("$.steps[0].decisions[1].name", "Decision name must be at most 64 characters; it has 71."),
            ],
            errors);
    }

    [Fact]
    public void Titles_longer_than_two_hundred_characters_are_refused()
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Step(1)["title"] = new string('t', 201));

        AssertOnly(errors, "$.steps[1].title", "Title must be at most 200 characters; it has 201.");
    }

    [Fact]
    public void A_huge_value_is_quoted_short_in_its_message()
    {
        var errors = MinimalDefinition.ErrorsAfter(d => d.Step(0)["actor"]!["role"] = new string('R', 100_000));

        var error = Assert.Single(errors);
        Assert.Equal("$.steps[0].actor.role", error.Path);
        Assert.StartsWith($"Role '{new string('R', 40)}…' does not exist", error.Message, StringComparison.Ordinal);
    }
}
