using System.Net;
using JointOps.Server.Tests.Infrastructure;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Access;

/// <summary>
/// For a Korean request to Cambodia at each step of mutual-assistance: who sees it (in the request page, search and history),
/// whose inbox holds it, which decisions each user is offered, and that every other decision is refused without a change.
/// </summary>
public abstract class AccessTableTests(AppFixture app)
{
    private static readonly string[] RequestingSide = [OfficerKr, SupervisorKr, CentralKr, AuditorKr];
    private static readonly string[] ReceivingSide = [LiaisonKh, ApproverKh, ExecutingKh, AuditorKh];

    private static readonly Dictionary<string, string[]> StepDecisions = new()
    {
        ["supervisor-review"] = ["approve", "return", "reject", "withdraw"],
        ["central-authority"] = ["approve", "return", "reject", "withdraw"],
        ["acknowledgement"] = ["acknowledge", "withdraw"],
        ["receiving-decision"] = ["approve", "refuse", "request-information", "withdraw"],
        ["execution"] = ["deliver-partial-results", "deliver-results"],
        ["results-review"] = ["accept", "request-further-measures"],
    };

    private readonly Scenario _scenario = new(app);

    public static TheoryData<string, bool, string, string[]> Steps => new()
    {
        // step, transmitted yet, who must act (inbox), that actor's decisions (the owner's withdraw is added below)
        { "supervisor-review", false, SupervisorKr, ["approve", "return", "reject"] },
        { "central-authority", false, CentralKr, ["approve", "return", "reject"] },
        { "acknowledgement", true, LiaisonKh, ["acknowledge"] },
        { "receiving-decision", true, ApproverKh, ["approve", "refuse", "request-information"] },
        { "execution", true, ExecutingKh, ["deliver-partial-results", "deliver-results"] },
        { "results-review", true, OfficerKr, ["accept", "request-further-measures"] },
    };

    [Theory]
    [MemberData(nameof(Steps))]
    public async Task Only_the_entitled_see_and_act_at_each_step(string step, bool transmitted, string actor, string[] actorDecisions)
    {
        var id = await _scenario.RequestAtAsync(step);
        var version = (await _scenario.GetAsync(OfficerKr, id)).Number("version");
        var ownerMayWithdraw = StepDecisions[step].Contains("withdraw");

        foreach (var user in Everyone)
        {
            var client = await app.AsAsync(user);
            var sees = RequestingSide.Contains(user) || (transmitted && ReceivingSide.Contains(user));
            string[] offered = user == actor ? actorDecisions : [];
            if (user == OfficerKr && ownerMayWithdraw)
            {
                offered = [.. offered, "withdraw"];
            }

            var (status, request) = await client.GetJsonAsync($"/api/requests/{id}");
            Assert.True((sees ? HttpStatusCode.OK : HttpStatusCode.NotFound) == status, $"{user} at {step}: GET gave {status}");
            if (sees)
            {
                Assert.Equal(offered.Order(), request.Strings("allowedDecisions").Order());
            }

            var (_, page) = await client.GetJsonAsync("/api/requests?pageSize=100");
            Assert.True(sees == page.GetProperty("items").EnumerateArray().Any(i => i.Str("id") == id), $"{user} at {step}: search");

            var (_, inbox) = await client.GetJsonAsync("/api/inbox");
            Assert.True((user == actor) == inbox.GetProperty("items").EnumerateArray().Any(i => i.Str("requestId") == id), $"{user} at {step}: inbox");

            var (historyStatus, _) = await client.GetJsonAsync($"/api/requests/{id}/history");
            Assert.Equal(sees ? HttpStatusCode.OK : HttpStatusCode.NotFound, historyStatus);

            foreach (var decision in StepDecisions[step].Except(offered))
            {
                var (refused, problem) = await _scenario.TryDecideAsync(user, id, decision, "Trying.", version);
                Assert.True((sees ? HttpStatusCode.Forbidden : HttpStatusCode.NotFound) == refused,
                    $"{user} at {step} taking {decision}: {refused} {problem}");
            }
        }

        var after = await _scenario.GetAsync(OfficerKr, id);
        Assert.Equal(version, after.Number("version"));
        Assert.Equal(step, after.StepId());
    }
}

public sealed class AccessTableOnPostgres(PostgresFixture app) : AccessTableTests(app), IClassFixture<PostgresFixture>;

public sealed class AccessTableOnSqlite(SqliteFixture app) : AccessTableTests(app), IClassFixture<SqliteFixture>;
