using System.Net;
using System.Text.Json;
using JointOps.Server.Tests.Infrastructure;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Api;

/// <summary>Bad input gets a ProblemDetails that says what is wrong, and changes nothing.</summary>
public abstract class BadInputTests(AppFixture app)
{
    private readonly Scenario _scenario = new(app);

    public static TheoryData<string, string, string?> BadCreations => new()
    {
        { "malformed JSON", """{"type": "arrest", "title": """, null },
        { "wrong type", """{"type": "arrest", "title": "x", "receivingCountry": "KH", "priority": 5}""", "$.priority" },
        { "unknown field", """{"type": "arrest", "title": "x", "receivingCountry": "KH", "weapon": "none"}""", null },
        { "deep nesting", "{\"type\":" + new string('[', 200) + new string(']', 200) + "}", null },
        { "missing fields on submit", """{"type": "arrest", "receivingCountry": "KH", "submit": true}""", "title" },
        { "unknown type", """{"type": "parking-fine", "title": "x", "receivingCountry": "KH"}""", "type" },
        { "own country as receiver", """{"type": "arrest", "title": "x", "receivingCountry": "KR"}""", "receivingCountry" },
        { "too long a title", "{\"type\": \"arrest\", \"receivingCountry\": \"KH\", \"title\": \"" + new string('x', 201) + "\"}", "title" },
        { "empty body", "", null },
    };

    [Theory]
    [MemberData(nameof(BadCreations))]
    public async Task A_bad_new_request_is_refused_with_a_problem_and_nothing_is_created(string why, string body, string? field)
    {
        var officer = await app.AsAsync(Officer2Kr);
        var before = (await officer.GetJsonAsync("/api/requests")).Body.Number("total");

        var (status, problem) = await officer.SendJsonAsync(HttpMethod.Post, "/api/requests", body);

        Assert.True(status == HttpStatusCode.BadRequest, $"{why}: {status} {problem}");
        Assert.Equal(400, problem.Number("status"));
        Assert.False(string.IsNullOrEmpty(problem.Str("title")));
        if (field is not null)
        {
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"{why}: no error for {field} in {problem}");
        }

        Assert.Equal(before, (await officer.GetJsonAsync("/api/requests")).Body.Number("total"));
    }

    [Fact]
    public async Task Submitting_names_every_missing_essential()
    {
        var (status, problem) = await (await app.AsAsync(OfficerKr)).PostJsonAsync("/api/requests",
            new { type = "victim-rescue", priority = "critical", title = "Rescue", receivingCountry = "KH", submit = true });

        Assert.Equal(HttpStatusCode.BadRequest, status);
        var errors = problem.GetProperty("errors").EnumerateObject().Select(p => p.Name).ToArray();
        Assert.Superset(new HashSet<string> { "facts", "legalBasis", "measures", "urgencyReason", "subjects" }, errors.ToHashSet());
    }

    [Fact]
    public async Task Bad_decisions_are_refused_and_leave_the_request_as_it_was()
    {
        var request = await _scenario.SubmitAsync(OfficerKr);
        var id = request.Str("id");
        var version = request.Number("version");
        var supervisor = await app.AsAsync(SupervisorKr);
        var url = $"/api/requests/{id}/decisions";

        var (unknown, unknownProblem) = await supervisor.PostJsonAsync(url, new { decision = "promote", comment = "x", version });
        Assert.Equal(HttpStatusCode.BadRequest, unknown);
        Assert.Contains("approve", unknownProblem.GetProperty("errors").GetProperty("decision")[0].GetString());

        var (stale, staleProblem) = await supervisor.PostJsonAsync(url, new { decision = "approve", version = version + 7 });
        Assert.Equal(HttpStatusCode.Conflict, stale);
        Assert.Equal(version, staleProblem.GetProperty("current").Number("version"));

        var (noVersion, noVersionProblem) = await supervisor.PostJsonAsync(url, new { decision = "approve" });
        Assert.Equal(HttpStatusCode.BadRequest, noVersion);
        Assert.True(noVersionProblem.GetProperty("errors").TryGetProperty("version", out _));

        var (malformed, _) = await supervisor.SendJsonAsync(HttpMethod.Post, url, """{"decision": "approve", "version": "one"}""");
        Assert.Equal(HttpStatusCode.BadRequest, malformed);

        var (missingComment, _) = await supervisor.PostJsonAsync(url, new { decision = "reject", version });
        Assert.Equal(HttpStatusCode.BadRequest, missingComment);

        var huge = new { decision = "approve", comment = new string('x', 300 * 1024), version };
        var (oversize, oversizeProblem) = await supervisor.PostJsonAsync(url, huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, oversize);
        Assert.Equal(413, oversizeProblem.Number("status"));

        var after = await _scenario.GetAsync(SupervisorKr, id);
        Assert.Equal(version, after.Number("version"));
        Assert.Equal("supervisor-review", after.StepId());
        var (_, history) = await supervisor.GetJsonAsync($"/api/requests/{id}/history");
        Assert.DoesNotContain(history.GetProperty("entries").EnumerateArray(), e => e.Str("action") == "decided");
    }

    [Fact]
    public async Task Only_officers_create_requests()
    {
        var (status, problem) = await (await app.AsAsync(SupervisorKr)).PostJsonAsync("/api/requests", NewRequest());
        Assert.Equal(HttpStatusCode.Forbidden, status);
        Assert.Equal(403, problem.Number("status"));
    }

    [Fact]
    public async Task An_unknown_request_is_not_found()
    {
        var (status, problem) = await (await app.AsAsync(OfficerKr)).GetJsonAsync($"/api/requests/{Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Equal(404, problem.Number("status"));
    }

    [Fact]
    public async Task The_API_needs_a_signed_in_user()
    {
        var anonymous = app.Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/inbox")).StatusCode);
        anonymous.DefaultRequestHeaders.Authorization = new("Bearer", "forged-token");
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/api/requests")).StatusCode);
    }

    [Fact]
    public async Task A_tampered_audit_entry_is_detected()
    {
        var id = await _scenario.RequestAtAsync("acknowledgement");
        var auditor = await app.AsAsync(AuditorKr);
        var (_, before) = await auditor.GetJsonAsync($"/api/requests/{id}/history");
        Assert.True(before.GetProperty("verified").GetBoolean());
        var reference = before.Str("reference");

        // Someone with database access rewrites who approved the transmission.
        await app.ExecuteSqlAsync($"""UPDATE "AuditEntries" SET "ActorName" = 'Someone Else' WHERE "Stream" = '{reference}' AND "Sequence" = 4""");

        var (_, after) = await auditor.GetJsonAsync($"/api/requests/{id}/history");
        Assert.False(after.GetProperty("verified").GetBoolean());
        Assert.Equal(4, after.Number("brokenAtSequence"));
    }

    [Fact]
    public async Task A_deleted_audit_entry_is_detected()
    {
        var id = await _scenario.RequestAtAsync("acknowledgement");
        var (_, before) = await (await app.AsAsync(AuditorKr)).GetJsonAsync($"/api/requests/{id}/history");
        await app.ExecuteSqlAsync($"""DELETE FROM "AuditEntries" WHERE "Stream" = '{before.Str("reference")}' AND "Sequence" = 2""");

        var (_, after) = await (await app.AsAsync(AuditorKr)).GetJsonAsync($"/api/requests/{id}/history");
        Assert.False(after.GetProperty("verified").GetBoolean());
        Assert.Equal(JsonValueKind.Number, after.GetProperty("brokenAtSequence").ValueKind);
    }
}

public sealed class BadInputOnPostgres(PostgresFixture app) : BadInputTests(app), IClassFixture<PostgresFixture>;

public sealed class BadInputOnSqlite(SqliteFixture app) : BadInputTests(app), IClassFixture<SqliteFixture>;
