using System.Net;
using System.Text.Json.Nodes;
using JointOps.Server.Tests.Infrastructure;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Workflows;

public abstract class WorkflowVersioningTests(AppFixture app)
{
    private readonly Scenario _scenario = new(app);

    private static JsonObject Shipped(string name)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "workflows");
        return JsonNode.Parse(File.ReadAllText(Path.Combine(folder, $"{name}.json")))!.AsObject();
    }

    [Fact]
    public async Task The_shipped_definitions_are_listed_as_published()
    {
        var (status, list) = await (await app.AsAsync(OfficerKh)).GetJsonAsync("/api/workflows");
        Assert.Equal(HttpStatusCode.OK, status);
        // Another test of this class publishes mutual-assistance v2; version 1 of both stays published.
        var definitions = list.EnumerateArray().ToDictionary(d => d.Str("name"));
        foreach (var name in new[] { "mutual-assistance", "urgent-rescue" })
        {
            var first = definitions[name].GetProperty("versions")[0];
            Assert.Equal(1, first.Number("version"));
            Assert.Equal("published", first.Str("status"));
        }

        Assert.Equal(1, definitions["urgent-rescue"].Number("latestPublished"));

        var (_, version) = await (await app.AsAsync(OfficerKh)).GetJsonAsync("/api/workflows/urgent-rescue/versions/1");
        Assert.Equal("all-of", version.GetProperty("definition").GetProperty("steps")[0].GetProperty("parallel").Str("mode"));
    }

    [Fact]
    public async Task Validation_reports_a_dangling_transition_with_its_path()
    {
        var definition = Shipped("mutual-assistance");
        definition["steps"]![0]!["decisions"]![1]!["to"] = "nowhere";

        var (status, report) = await (await app.AsAsync(AdminKr)).PostJsonAsync("/api/workflows/validate", definition);

        Assert.Equal(HttpStatusCode.OK, status);
        Assert.False(report.GetProperty("valid").GetBoolean());
        Assert.Contains(report.GetProperty("errors").EnumerateArray(),
            e => e.Str("path") == "$.steps[0].decisions[1].to" && e.Str("message").Contains("nowhere", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Only_admins_store_and_publish_definitions_and_invalid_ones_are_refused()
    {
        var definition = Shipped("urgent-rescue");
        definition["version"] = 2;
        var (officerTries, _) = await (await app.AsAsync(OfficerKr)).PostJsonAsync("/api/workflows", definition);
        Assert.Equal(HttpStatusCode.Forbidden, officerTries);
        var (officerPublishes, _) = await (await app.AsAsync(OfficerKr)).PostJsonAsync("/api/workflows/urgent-rescue/versions/1/publish", new { });
        Assert.Equal(HttpStatusCode.Forbidden, officerPublishes);

        definition["steps"]![1]!["actor"]!["role"] = "Janitor";
        var (invalid, problem) = await (await app.AsAsync(AdminKr)).PostJsonAsync("/api/workflows", definition);
        Assert.Equal(HttpStatusCode.BadRequest, invalid);
        Assert.True(problem.GetProperty("errors").TryGetProperty("$.steps[1].actor.role", out _), problem.ToString());

        var (_, list) = await (await app.AsAsync(AdminKr)).GetJsonAsync("/api/workflows");
        Assert.Single(list.EnumerateArray().Single(d => d.Str("name") == "urgent-rescue").GetProperty("versions").EnumerateArray());
    }

    [Fact]
    public async Task A_published_version_serves_new_requests_while_running_ones_keep_theirs()
    {
        var admin = await app.AsAsync(AdminKr);
        var running = (await _scenario.SubmitAsync(OfficerKr)).Str("id");

        // Version 2 adds nothing but a new title for the supervisor step and a shorter deadline.
        var definition = Shipped("mutual-assistance");
        definition["version"] = 2;
        definition["steps"]![0]!["title"] = "Supervisor check";
        definition["steps"]![0]!["deadline"]!["normal"]!["duration"] = "P1D";

        var (skipped, skippedProblem) = await admin.PostJsonAsync("/api/workflows", new JsonObject(definition.Select(p => KeyValuePair.Create(p.Key, p.Key == "version" ? JsonValue.Create(5) : p.Value?.DeepClone()))));
        Assert.Equal(HttpStatusCode.BadRequest, skipped);
        Assert.True(skippedProblem.GetProperty("errors").TryGetProperty("$.version", out _));

        var (created, draft) = await admin.PostJsonAsync("/api/workflows", definition);
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal("draft", draft.Str("status"));

        // A draft runs nothing.
        var beforePublish = await _scenario.SubmitAsync(OfficerKr);
        Assert.Equal(1, beforePublish.GetProperty("workflow").Number("version"));

        var (published, _) = await admin.PostJsonAsync("/api/workflows/mutual-assistance/versions/2/publish", new { });
        Assert.Equal(HttpStatusCode.OK, published);
        var (again, _) = await admin.PostJsonAsync("/api/workflows/mutual-assistance/versions/2/publish", new { });
        Assert.Equal(HttpStatusCode.Conflict, again);

        var fresh = await _scenario.SubmitAsync(OfficerKr);
        Assert.Equal(2, fresh.GetProperty("workflow").Number("version"));
        Assert.Equal("Supervisor check", fresh.GetProperty("step").Str("title"));

        var old = await _scenario.GetAsync(OfficerKr, running);
        Assert.Equal(1, old.GetProperty("workflow").Number("version"));
        Assert.Equal("Supervisor review", old.GetProperty("step").Str("title"));
        Assert.Equal("central-authority", (await _scenario.DecideAsync(SupervisorKr, running, "approve")).StepId());
    }
}

public sealed class WorkflowVersioningOnPostgres(PostgresFixture app) : WorkflowVersioningTests(app), IClassFixture<PostgresFixture>;

public sealed class WorkflowVersioningOnSqlite(SqliteFixture app) : WorkflowVersioningTests(app), IClassFixture<SqliteFixture>;
