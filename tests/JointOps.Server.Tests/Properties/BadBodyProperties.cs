using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using JointOps.Server.Tests.Infrastructure;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Properties;

/// <summary>
/// Generated broken bodies for every write endpoint: each answer is a 4xx ProblemDetails (naming the field when one
/// field is at fault), never a 5xx, and the database is exactly as it was. Set JOINTOPS_FUZZ_SEED to replay a run.
/// </summary>
public abstract class BadBodyProperties(AppFixture app)
{
    private const int Cases = 150;

    private static readonly Field[] RequestFields =
    [
        new("type", FieldKind.Choice, Required: true),
        new("priority", FieldKind.Choice, Required: true),
        new("urgencyReason", FieldKind.Text, 2000),
        new("requestedBy", FieldKind.Date),
        new("title", FieldKind.Text, 200, Required: true),
        new("facts", FieldKind.Text, 20000, Required: true),
        new("purpose", FieldKind.Text, 5000),
        new("legalBasis", FieldKind.Text, 2000, Required: true),
        new("offences", FieldKind.ObjectList),
        new("offences[0].description", FieldKind.Text, 1000),
        new("offences[0].law", FieldKind.Text, 500),
        new("offences[0].penalty", FieldKind.Text, 500),
        new("subjects", FieldKind.ObjectList),
        new("subjects[0].name", FieldKind.Text, 200),
        new("subjects[0].role", FieldKind.Choice),
        new("subjects[0].nationality", FieldKind.Text, 100),
        new("subjects[0].dateOfBirth", FieldKind.Date),
        new("subjects[1].lastKnownLocation", FieldKind.Text, 1000),
        new("measures", FieldKind.TextList, Required: true),
        new("measures[0]", FieldKind.Text, 1000),
        new("confidentiality", FieldKind.Choice),
        new("language", FieldKind.Choice),
        new("receivingCountry", FieldKind.Choice, Required: true),
        new("relatedReferences", FieldKind.Text, 500),
        new("submit", FieldKind.Flag),
        new("version", FieldKind.Number),
    ];

    private readonly Scenario _scenario = new(app);

    [Fact]
    public async Task Broken_new_requests_are_refused_and_change_nothing()
    {
        var officer = await app.AsAsync(OfficerKr);
        await AssertRefusedAsync("create", officer, HttpMethod.Post, "/api/requests",
            BodyFuzz.Broken(() => Node(NewRequest()), RequestFields));
    }

    [Fact]
    public async Task Broken_edits_of_a_draft_are_refused_and_change_nothing()
    {
        var draft = NewRequest();
        draft["submit"] = false;
        var created = await _scenario.SubmitAsync(OfficerKr, draft);
        var (id, version) = (created.Str("id"), created.Number("version"));
        Field[] fields =
        [
            .. RequestFields.Where(f => f.Path != "version").Select(f => f with { Required = f.Path is "type" or "title" or "receivingCountry" }),
            new("version", FieldKind.Number, Required: true),
        ];

        await AssertRefusedAsync("update", await app.AsAsync(OfficerKr), HttpMethod.Put, $"/api/requests/{id}",
            BodyFuzz.Broken(() => Node(draft, ("version", version)), fields));
    }

    [Fact]
    public async Task Broken_decisions_are_refused_and_change_nothing()
    {
        var request = await _scenario.SubmitAsync(OfficerKr);
        var body = new Dictionary<string, object?> { ["decision"] = "approve", ["comment"] = "Complete.", ["version"] = request.Number("version") };
        Field[] fields = [new("decision", FieldKind.Text, 64, Required: true), new("comment", FieldKind.Text, 4000), new("version", FieldKind.Number, Required: true)];

        await AssertRefusedAsync("decide", await app.AsAsync(SupervisorKr), HttpMethod.Post, $"/api/requests/{request.Str("id")}/decisions",
            BodyFuzz.Broken(() => Node(body), fields));
    }

    [Fact]
    public async Task Broken_comments_are_refused_and_change_nothing()
    {
        var request = await _scenario.SubmitAsync(OfficerKr);
        var body = new Dictionary<string, object?> { ["text"] = "The phone numbers are attached." };

        await AssertRefusedAsync("comment", await app.AsAsync(SupervisorKr), HttpMethod.Post, $"/api/requests/{request.Str("id")}/comments",
            BodyFuzz.Broken(() => Node(body), [new("text", FieldKind.Text, 4000, Required: true)]));
    }

    [Fact]
    public async Task Broken_preferences_are_refused_and_change_nothing()
    {
        var body = new Dictionary<string, object?> { ["emailPreference"] = "daily-digest", ["language"] = "ko" };
        Field[] fields = [new("emailPreference", FieldKind.Choice, Required: true), new("language", FieldKind.Choice, Required: true)];

        await AssertRefusedAsync("preferences", await app.AsAsync(OfficerKh), HttpMethod.Put, "/api/me/preferences",
            BodyFuzz.Broken(() => Node(body), fields));
    }

    [Fact]
    public async Task Broken_sign_ins_are_refused_and_change_nothing()
    {
        // A real account with a wrong password counts towards its lockout, a change by design; these accounts do not exist.
        var body = new Dictionary<string, object?> { ["email"] = "nobody@jointops.test", ["password"] = "Wrong-Passw0rd-2026!" };
        Field[] fields = [new("email", FieldKind.Text, 256, Required: true), new("password", FieldKind.Text, 128, Required: true)];

        await AssertRefusedAsync("login", app.Anonymous(), HttpMethod.Post, "/api/auth/login", BodyFuzz.Broken(() => Node(body), fields));
    }

    [Fact]
    public async Task Broken_definitions_are_refused_and_store_nothing()
    {
        // Version 1 of the shipped definition is stored already, so even a body the mutations left valid is refused.
        await AssertRefusedAsync("workflow import", await app.AsAsync(AdminKr), HttpMethod.Post, "/api/workflows",
            BodyFuzz.Broken(ShippedDefinition, DefinitionFields, jsonPathKeys: true));
    }

    [Fact]
    public async Task Validating_broken_definitions_reports_every_problem_with_a_path()
    {
        var client = await app.AsAsync(OfficerKr);
        var (seed, cases) = Sample(BodyFuzz.Broken(ShippedDefinition, DefinitionFields, jsonPathKeys: true));
        var before = await SettledSnapshotAsync();
        foreach (var broken in cases)
        {
            var (status, text, mediaType) = await SendAsync(client, HttpMethod.Post, "/api/workflows/validate", broken.Bytes);
            var context = $"validate (seed {seed}): {broken} answered {status}: {Short(text)}";
            if (broken.Bytes.Length > BodyFuzz.MaxBodyBytes)
            {
                Assert.True(status == 413 && mediaType == "application/problem+json", context);
                continue;
            }

            Assert.True(status == 200, context);
            var report = JsonDocument.Parse(text).RootElement;
            Assert.False(report.GetProperty("valid").GetBoolean(), context);
            var errors = report.GetProperty("errors").EnumerateArray().ToList();
            Assert.NotEmpty(errors);
            Assert.All(errors, e => Assert.True(e.Str("path").StartsWith('$') && e.Str("message").Length is > 0 and <= 1000, context));
            if (broken.ErrorKey is not null)
            {
                Assert.True(errors.Any(e => Names(e.Str("path"), broken.ErrorKey)), $"{context}: no error at {broken.ErrorKey}");
            }
        }

        Assert.True(before.SameAs(await DatabaseSnapshot.TakeAsync(app)), "validating changed the database");
    }

    [Fact]
    public async Task Publishing_what_does_not_exist_is_refused_and_changes_nothing()
    {
        var admin = await app.AsAsync(AdminKr);
        var names = Gen.OneOf(
            Gen.Elements("mutual-assistance", "urgent-rescue", "evidence-exchange", "", "MUTUAL-ASSISTANCE", "a b", "..", "%00", "x\u0007y",
                "수사협조", "ការស៊ើប", new string('n', 300), "name'; DROP TABLE \"Requests\"; --"),
            ArbMap.Default.GeneratorFor<string>().Select(s => s ?? ""));
        var versions = Gen.OneOf(Gen.Elements("1", "2", "0", "-1", "2147483647", "2147483648", "1.5", "one", ""), Gen.Choose(-5, 50).Select(v => v.ToString(CultureInfo.InvariantCulture)));
        // U+0000 cannot be sent in a path at all: the HTTP layer refuses it before the server sees it.
        var paths = Gen.Zip(names, versions).Where(p => IsEscapable(p.Item1) && !p.Item1.Contains('\0', StringComparison.Ordinal))
            .Select(p => $"/api/workflows/{Uri.EscapeDataString(p.Item1)}/versions/{p.Item2}/publish");

        var (seed, cases) = Sample(paths);
        var before = await SettledSnapshotAsync();
        foreach (var path in cases)
        {
            var (status, text, mediaType) = await SendAsync(admin, HttpMethod.Post, path, null);
            var context = $"publish (seed {seed}): {path} answered {status}: {Short(text)}";
            Assert.True(status is >= 400 and < 500 && mediaType == "application/problem+json", context);
            Assert.True(before.SameAs(await DatabaseSnapshot.TakeAsync(app)), $"{context}; the database changed");
        }
    }

    [Fact]
    public async Task Search_and_inbox_filters_are_answered_or_refused_never_failed()
    {
        var client = await app.AsAsync(CentralKr);
        var values = Gen.OneOf(
            Gen.Elements("draft", "in-progress", "completed", "arrest", "KR", "KH", "normal", "critical", "", " ", "\u0000", "a\u0001b", "%",
                "'; SELECT 1; --", new string('s', 5000), "수사", "-1", "0", "101", "2147483648", "1e3"),
            ArbMap.Default.GeneratorFor<string>().Select(s => s ?? ""));
        string[] parameters = ["status", "type", "country", "page", "pageSize", "priority", "limit"];
        var queries = Gen.Choose(1, 4).SelectMany(n => Gen.ArrayOf(Gen.Zip(Gen.Elements(parameters), values), n))
            .Where(q => q.All(p => IsEscapable(p.Item2)))
            .SelectMany(q => Gen.Elements("/api/requests", "/api/inbox")
                .Select(path => path + "?" + string.Join('&', q.Select(p => $"{p.Item1}={Uri.EscapeDataString(p.Item2)}"))));

        var (seed, cases) = Sample(queries);
        foreach (var url in cases)
        {
            var (status, text, mediaType) = await SendAsync(client, HttpMethod.Get, url, null);
            var context = $"read (seed {seed}): {url} answered {status}: {Short(text)}";
            Assert.True(status == 200 || (status == 400 && mediaType == "application/problem+json"), context);
        }
    }

    private static readonly Field[] DefinitionFields =
    [
        new("name", FieldKind.Choice, 64, Required: true),
        new("version", FieldKind.Number, Required: true),
        new("title", FieldKind.Text, 200, Required: true),
        new("start", FieldKind.Choice, 64, Required: true),
        new("steps", FieldKind.ObjectList, Required: true),
        new("steps[0].id", FieldKind.Choice, 64),
        new("steps[0].title", FieldKind.Text, 200),
        new("steps[0].actor.role", FieldKind.Choice),
        new("steps[0].actor.side", FieldKind.Choice),
        new("steps[0].deadline.normal.duration", FieldKind.Choice),
        new("steps[0].reminders", FieldKind.TextList),
        new("steps[0].decisions", FieldKind.ObjectList),
        new("steps[0].decisions[1].name", FieldKind.Choice, 64),
        new("steps[0].decisions[1].to", FieldKind.Choice),
        new("steps[0].decisions[1].commentRequired", FieldKind.Flag),
        new("steps[1].escalation.every", FieldKind.Choice),
    ];

    private static JsonObject ShippedDefinition() =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "workflows", "mutual-assistance.json")))!.AsObject();

    private static JsonObject Node(Dictionary<string, object?> body, params (string Key, object? Value)[] extra)
    {
        var node = JsonSerializer.SerializeToNode(body, JsonSerializerOptions.Web)!.AsObject();
        foreach (var (key, value) in extra)
        {
            node[key] = JsonSerializer.SerializeToNode(value);
        }

        return node;
    }

    private async Task AssertRefusedAsync(string what, HttpClient client, HttpMethod method, string url, Gen<BrokenBody> bodies)
    {
        var (seed, cases) = Sample(bodies);
        var before = await SettledSnapshotAsync();
        foreach (var broken in cases)
        {
            var (status, text, mediaType) = await SendAsync(client, method, url, broken.Bytes);
            var context = $"{what} (seed {seed}): {broken} answered {status}: {Short(text)}";
            Assert.True(status is >= 400 and < 500, context);
            Assert.True(mediaType == "application/problem+json", context);
            var problem = JsonDocument.Parse(text).RootElement;
            Assert.Equal(status, problem.Number("status"));
            if (broken.Bytes.Length > BodyFuzz.MaxBodyBytes)
            {
                Assert.True(status == 413, context);
            }
            else if (broken.ErrorKey is not null)
            {
                Assert.True(status == 400, context);
                var named = problem.TryGetProperty("errors", out var errors)
                    ? errors.EnumerateObject().Where(e => Names(e.Name, broken.ErrorKey)).ToList()
                    : [];
                Assert.True(named.Count > 0, $"{context}: no error for {broken.ErrorKey}");
                if (broken.ErrorText is not null)
                {
                    Assert.True(named.SelectMany(e => e.Value.EnumerateArray()).Any(m => m.GetString()!.Contains(broken.ErrorText, StringComparison.Ordinal)),
                        $"{context}: expected '{broken.ErrorText}'");
                }
            }

            var after = await DatabaseSnapshot.TakeAsync(app);
            Assert.True(before.SameAs(after), $"{context}; the database changed: {before.Difference(after)}");
        }
    }

    private static async Task<(int Status, string Text, string? MediaType)> SendAsync(HttpClient client, HttpMethod method, string url, byte[]? body)
    {
        using var message = new HttpRequestMessage(method, url);
        if (body is not null)
        {
            message.Content = new ByteArrayContent(body);
            message.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        }

        using var response = await client.SendAsync(message);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType);
    }

    private static (ulong Seed, T[] Cases) Sample<T>(Gen<T> gen)
    {
        var seed = ulong.TryParse(Environment.GetEnvironmentVariable("JOINTOPS_FUZZ_SEED"), out var given) ? given : (ulong)Random.Shared.NextInt64();
        return (seed, gen.Sample(Cases, new Rnd(seed), 50));
    }

    // The background machinery (mail outbox) may still be settling what the test's own setup did.
    private async Task<DatabaseSnapshot> SettledSnapshotAsync()
    {
        var snapshot = await DatabaseSnapshot.TakeAsync(app);
        for (var i = 0; i < 40; i++)
        {
            await Task.Delay(250);
            var next = await DatabaseSnapshot.TakeAsync(app);
            if (next.SameAs(snapshot))
            {
                return next;
            }

            snapshot = next;
        }

        throw new InvalidOperationException("The database did not settle within 10 s.");
    }

    private static bool IsEscapable(string value)
    {
        try
        {
            _ = Uri.EscapeDataString(value);
            return Encoding.UTF8.GetByteCount(value) < 8000;
        }
        catch (Exception e) when (e is UriFormatException or ArgumentException)
        {
            return false;
        }
    }

    // A wrong value inside a list is reported at its item: $.measures[0] names $.measures.
    private static bool Names(string key, string field) =>
        key == field || key.StartsWith(field + "[", StringComparison.Ordinal) || key.StartsWith(field + ".", StringComparison.Ordinal);

    private static string Short(string text) => text.Length <= 400 ? text : text[..400] + "…";
}

public sealed class BadBodyOnPostgres(PostgresFixture app) : BadBodyProperties(app), IClassFixture<PostgresFixture>;

public sealed class BadBodyOnSqlite(SqliteFixture app) : BadBodyProperties(app), IClassFixture<SqliteFixture>;
