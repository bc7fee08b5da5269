using System.Net;
using JointOps.Server.Tests.Infrastructure;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Requests;

/// <summary>Comments do not compete: several people commenting on one request at the same moment all get theirs in.</summary>
public sealed class ConcurrentCommentTests(PostgresFixture app) : IClassFixture<PostgresFixture>
{
    [Fact]
    public async Task Comments_posted_at_the_same_moment_are_all_kept_and_audited()
    {
        var id = (await new Scenario(app).SubmitAsync(OfficerKr)).Str("id");
        var authors = Enumerable.Range(0, 16).Select(i => i % 2 == 0 ? OfficerKr : SupervisorKr).ToArray();
        var clients = await Task.WhenAll(authors.Select(app.AsAsync));

        var answers = await Task.WhenAll(clients.Select((client, i) => client.PostJsonAsync($"/api/requests/{id}/comments", new { text = $"Note {i}." })));

        Assert.All(answers, answer => Assert.True(answer.Status == HttpStatusCode.Created, $"{answer.Status}: {answer.Body}"));
        var request = await new Scenario(app).GetAsync(OfficerKr, id);
        Assert.Equal(authors.Length, request.GetProperty("comments").GetArrayLength());
        var (_, history) = await (await app.AsAsync(AuditorKr)).GetJsonAsync($"/api/requests/{id}/history");
        Assert.True(history.GetProperty("verified").GetBoolean());
        Assert.Equal(authors.Length, history.GetProperty("entries").EnumerateArray().Count(e => e.Str("action") == "commented"));
    }
}
