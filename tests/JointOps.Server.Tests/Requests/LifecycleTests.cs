using System.Net;
using System.Text.Json;
using JointOps.Server.Tests.Infrastructure;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Requests;

public abstract class LifecycleTests(AppFixture app)
{
    private readonly Scenario _scenario = new(app);

    [Fact]
    public async Task A_request_goes_from_Korea_to_Cambodia_and_back_through_amendment_and_information_loops_to_closure()
    {
        var request = await _scenario.SubmitAsync(OfficerKr);
        var id = request.Str("id");
        Assert.Matches(@"^KR-\d{4}-\d{6}$", request.Str("reference"));
        Assert.Equal("supervisor-review", request.StepId());
        Assert.Equal("mutual-assistance", request.GetProperty("workflow").Str("name"));

        // The supervisor returns it; the officer amends the facts and resubmits.
        var returned = await _scenario.DecideAsync(SupervisorKr, id, "return", "Add the account numbers.");
        Assert.Equal("amendment", returned.StepId());
        var mine = await _scenario.GetAsync(OfficerKr, id);
        Assert.True(mine.GetProperty("editable").GetBoolean());
        var edit = Scenario.NewRequest();
        edit["facts"] = "Amended: accounts 100-200-300 at ABA Bank were used.";
        edit["submit"] = false;
        edit["version"] = mine.Number("version");
        var (editStatus, edited) = await (await app.AsAsync(OfficerKr)).SendJsonAsync(HttpMethod.Put, $"/api/requests/{id}", edit);
        Assert.Equal(HttpStatusCode.OK, editStatus);
        Assert.StartsWith("Amended", edited.Str("facts"));
        Assert.Equal("supervisor-review", (await _scenario.DecideAsync(OfficerKr, id, "resubmit")).StepId());

        Assert.Contains(await InboxAsync(SupervisorKr), item => item.Str("requestId") == id);
        Assert.Equal("central-authority", (await _scenario.DecideAsync(SupervisorKr, id, "approve")).StepId());
        Assert.DoesNotContain(await InboxAsync(SupervisorKr), item => item.Str("requestId") == id);
        Assert.Contains(await InboxAsync(CentralKr), item => item.Str("requestId") == id);
        var transmitted = await _scenario.DecideAsync(CentralKr, id, "approve");
        Assert.Equal("acknowledgement", transmitted.StepId());
        Assert.Equal("KH", transmitted.GetProperty("step").GetProperty("actors")[0].Str("country"));

        Assert.Equal("receiving-decision", (await _scenario.DecideAsync(LiaisonKh, id, "acknowledge")).StepId());

        // The Cambodian approver asks for more; the officer answers; the approver approves.
        Assert.Equal("information-requested", (await _scenario.DecideAsync(ApproverKh, id, "request-information", "Which compound building?")).StepId());
        Assert.Equal("receiving-decision", (await _scenario.DecideAsync(OfficerKr, id, "provide-information", "Building C, 3rd floor.")).StepId());
        Assert.Equal("execution", (await _scenario.DecideAsync(ApproverKh, id, "approve")).StepId());

        var partial = await _scenario.DecideAsync(ExecutingKh, id, "deliver-partial-results", "Records for March to May attached.");
        Assert.Equal("execution", partial.StepId());
        Assert.Equal("results-review", (await _scenario.DecideAsync(ExecutingKh, id, "deliver-results", "All records delivered.")).StepId());

        var closed = await _scenario.DecideAsync(OfficerKr, id, "accept");
        Assert.Equal("completed", closed.Str("status"));
        Assert.Empty(closed.Strings("allowedDecisions"));
        Assert.NotEqual(JsonValueKind.Null, closed.GetProperty("closedAt").ValueKind);

        var (_, history) = await (await app.AsAsync(AuditorKr)).GetJsonAsync($"/api/requests/{id}/history");
        Assert.True(history.GetProperty("verified").GetBoolean());
        var decisions = history.GetProperty("entries").EnumerateArray()
            .Where(e => e.Str("action") == "decided").Select(e => e.Str("decision")).ToArray();
        Assert.Equal(
            ["return", "resubmit", "approve", "approve", "acknowledge", "request-information", "provide-information", "approve",
             "deliver-partial-results", "deliver-results", "accept"],
            decisions);
        var first = history.GetProperty("entries")[0];
        Assert.Equal("created", first.Str("action"));
        Assert.Equal("KR", first.Str("country"));
    }

    [Fact]
    public async Task A_Cambodian_officer_can_request_assistance_from_Korea()
    {
        var id = await _scenario.RequestAtAsync("results-review", receivingCountry: "KR");
        var request = await _scenario.GetAsync(OfficerKh, id);
        Assert.StartsWith("KH-", request.Str("reference"));
        Assert.Equal(["accept", "request-further-measures"], request.Strings("allowedDecisions"));
        Assert.Equal("execution", (await _scenario.DecideAsync(OfficerKh, id, "request-further-measures", "Also the bank records.")).StepId());
    }

    [Fact]
    public async Task The_receiving_approver_can_refuse_with_grounds()
    {
        var id = await _scenario.RequestAtAsync("receiving-decision");
        var (status, problem) = await _scenario.TryDecideAsync(ApproverKh, id, "refuse", comment: null);
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.True(problem.GetProperty("errors").TryGetProperty("comment", out _));

        var refused = await _scenario.DecideAsync(ApproverKh, id, "refuse", "Dual criminality is not met.");
        Assert.Equal("refused", refused.Str("status"));
        var (again, _) = await _scenario.TryDecideAsync(ApproverKh, id, "approve");
        Assert.Equal(HttpStatusCode.Conflict, again);
    }

    [Fact]
    public async Task The_owner_can_withdraw_before_execution_and_nobody_else_can()
    {
        var id = await _scenario.RequestAtAsync("acknowledgement");
        var (supervisorTries, _) = await _scenario.TryDecideAsync(SupervisorKr, id, "withdraw", "Not mine to withdraw.");
        Assert.Equal(HttpStatusCode.Forbidden, supervisorTries);
        var (liaisonTries, _) = await _scenario.TryDecideAsync(LiaisonKh, id, "withdraw", "Not mine either.");
        Assert.Equal(HttpStatusCode.Forbidden, liaisonTries);

        var withdrawn = await _scenario.DecideAsync(OfficerKr, id, "withdraw", "The suspect was arrested in Korea.");
        Assert.Equal("withdrawn", withdrawn.Str("status"));

        var executing = await _scenario.RequestAtAsync("execution");
        Assert.DoesNotContain("withdraw", (await _scenario.GetAsync(OfficerKr, executing)).Strings("allowedDecisions"));
    }

    [Fact]
    public async Task The_supervisor_can_reject_at_review()
    {
        var id = (await _scenario.SubmitAsync(OfficerKr)).Str("id");
        var rejected = await _scenario.DecideAsync(SupervisorKr, id, "reject", "Insufficient grounds.");
        Assert.Equal("rejected", rejected.Str("status"));
        Assert.Empty(rejected.Strings("allowedDecisions"));
    }

    [Fact]
    public async Task A_critical_request_goes_straight_from_the_supervisor_to_the_other_country()
    {
        var id = (await _scenario.SubmitAsync(OfficerKr, Scenario.NewRequest(priority: "critical"))).Str("id");
        Assert.Equal("acknowledgement", (await _scenario.DecideAsync(SupervisorKr, id, "approve")).StepId());
    }

    [Fact]
    public async Task A_draft_is_the_owners_alone_until_submitted()
    {
        var body = Scenario.NewRequest();
        body["submit"] = false;
        var draft = await _scenario.SubmitAsync(OfficerKr, body);
        var id = draft.Str("id");
        Assert.Equal("draft", draft.Str("status"));
        Assert.Equal(["submit"], draft.Strings("allowedDecisions"));

        var (supervisorSees, _) = await (await app.AsAsync(SupervisorKr)).GetJsonAsync($"/api/requests/{id}");
        Assert.Equal(HttpStatusCode.NotFound, supervisorSees);

        var submitted = await _scenario.DecideAsync(OfficerKr, id, "submit");
        Assert.Equal("supervisor-review", submitted.StepId());
        Assert.Equal(HttpStatusCode.OK, (await (await app.AsAsync(SupervisorKr)).GetJsonAsync($"/api/requests/{id}")).Status);
    }

    [Fact]
    public async Task A_victim_rescue_needs_both_countries_approval_in_parallel()
    {
        var body = Scenario.NewRequest(priority: "critical", type: "victim-rescue");
        var request = await _scenario.SubmitAsync(OfficerKr, body);
        var id = request.Str("id");
        Assert.Equal("urgent-rescue", request.GetProperty("workflow").Str("name"));
        Assert.Equal("joint-approval", request.StepId());

        // Both sides see it at once and both must approve.
        var (approverInbox, inbox) = await (await app.AsAsync(ApproverKh)).GetJsonAsync("/api/inbox");
        Assert.Equal(HttpStatusCode.OK, approverInbox);
        Assert.Contains(inbox.GetProperty("items").EnumerateArray(), i => i.Str("requestId") == id);

        var afterKh = await _scenario.DecideAsync(ApproverKh, id, "approve");
        Assert.Equal("joint-approval", afterKh.StepId());
        var (twice, _) = await _scenario.TryDecideAsync(ApproverKh, id, "approve");
        Assert.Equal(HttpStatusCode.Conflict, twice);
        var (_, inboxAfterVote) = await (await app.AsAsync(ApproverKh)).GetJsonAsync("/api/inbox");
        Assert.DoesNotContain(inboxAfterVote.GetProperty("items").EnumerateArray(), i => i.Str("requestId") == id);

        var afterKr = await _scenario.DecideAsync(CentralKr, id, "approve");
        Assert.Equal("rescue-operation", afterKr.StepId());
        Assert.Equal(["deliver-partial-results", "deliver-results"], (await _scenario.GetAsync(ExecutingKh, id)).Strings("allowedDecisions"));
    }

    [Fact]
    public async Task Participants_comment_on_a_request_and_the_comment_is_audited()
    {
        var id = await _scenario.RequestAtAsync("acknowledgement");
        var url = $"/api/requests/{id}/comments";

        var (created, comment) = await (await app.AsAsync(LiaisonKh)).PostJsonAsync(url, new { text = "Received; translating the facts." });
        Assert.Equal(HttpStatusCode.Created, created);
        Assert.Equal("KH", comment.Str("country"));
        Assert.Equal("acknowledgement", comment.Str("step"));

        Assert.Equal(HttpStatusCode.BadRequest, (await (await app.AsAsync(LiaisonKh)).PostJsonAsync(url, new { text = " " })).Status);
        Assert.Equal(HttpStatusCode.Forbidden, (await (await app.AsAsync(AuditorKr)).PostJsonAsync(url, new { text = "I only read." })).Status);
        Assert.Equal(HttpStatusCode.NotFound, (await (await app.AsAsync(Officer2Kr)).PostJsonAsync(url, new { text = "Not mine." })).Status);

        var request = await _scenario.GetAsync(OfficerKr, id);
        var only = Assert.Single(request.GetProperty("comments").EnumerateArray());
        Assert.Equal("Received; translating the facts.", only.Str("text"));
        Assert.Equal("Keo Sreymom", only.Str("authorName"));
        var (_, history) = await (await app.AsAsync(AuditorKr)).GetJsonAsync($"/api/requests/{id}/history");
        Assert.Contains(history.GetProperty("entries").EnumerateArray(), e => e.Str("action") == "commented" && e.Str("comment") == "Received; translating the facts.");
        Assert.True(history.GetProperty("verified").GetBoolean());
    }

    [Fact]
    public async Task Two_simultaneous_decisions_on_one_step_exactly_one_succeeds()
    {
        for (var round = 0; round < 5; round++)
        {
            var request = await _scenario.SubmitAsync(OfficerKr);
            var id = request.Str("id");
            var version = request.Number("version");
            var results = await Task.WhenAll(
                _scenario.TryDecideAsync(SupervisorKr, id, "approve", version: version),
                _scenario.TryDecideAsync(SupervisorKr, id, "return", "Amend.", version: version));

            Assert.Single(results, r => r.Status == HttpStatusCode.OK);
            Assert.Single(results, r => r.Status == HttpStatusCode.Conflict);
            var conflict = results.Single(r => r.Status == HttpStatusCode.Conflict).Body;
            Assert.Equal(409, conflict.Number("status"));
            var winner = results.Single(r => r.Status == HttpStatusCode.OK).Body;
            Assert.Equal(winner.StepId(), conflict.GetProperty("current").StepId());
            Assert.Equal(winner.Number("version"), conflict.GetProperty("current").Number("version"));

            var (_, history) = await (await app.AsAsync(SupervisorKr)).GetJsonAsync($"/api/requests/{id}/history");
            Assert.Single(history.GetProperty("entries").EnumerateArray(), e => e.Str("action") == "decided");
            Assert.True(history.GetProperty("verified").GetBoolean());
        }
    }

    private async Task<JsonElement[]> InboxAsync(string user)
    {
        var (status, inbox) = await (await app.AsAsync(user)).GetJsonAsync("/api/inbox");
        Assert.Equal(HttpStatusCode.OK, status);
        return [.. inbox.GetProperty("items").EnumerateArray()];
    }
}

public sealed class LifecycleOnPostgres(PostgresFixture app) : LifecycleTests(app), IClassFixture<PostgresFixture>;

public sealed class LifecycleOnSqlite(SqliteFixture app) : LifecycleTests(app), IClassFixture<SqliteFixture>;
