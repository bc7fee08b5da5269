using System.Diagnostics;
using System.Net;
using System.Text.Json;
using JointOps.Server.Tests.Deadlines;
using JointOps.Server.Tests.Infrastructure;
using Xunit.Abstractions;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Faults;

/// <summary>
/// The restore drill of docs/operations.md, as a test: a database filled through the API is dumped with pg_dump while
/// its server runs, restored with pg_restore into a fresh database, and a server started on the copy serves the same
/// requests with the same histories, audit chains that verify, and carries on (new decisions, new references).
/// </summary>
[Collection(ServerProcesses.Name)]
public sealed class RestoreDrillTests(ITestOutputHelper output)
{
    // Taken on the first four requests; the other two stay at supervisor review.
    private static readonly string[] Decisions = ["approve", "approve", "return", "reject"];

    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private void Log(string line) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:F1} s  {line}");

    [Fact]
    public async Task A_database_dumped_with_pg_dump_and_restored_with_pg_restore_serves_the_same_requests_and_histories()
    {
        await using var cluster = await PostgresCluster.StartAsync();
        await using var deployment = await ProcessDeployment.CreateAsync("jointops", cluster: cluster);
        var source = deployment.AddServer("source");
        await source.StartAsync();

        // Requests at several steps, on the mutual-assistance workflow (deadlines in days: nothing fires during the drill).
        var ids = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var (status, created) = await (await source.AsAsync(OfficerKr)).PostJsonAsync("/api/requests", NewRequest());
            Assert.True(status == HttpStatusCode.Created, $"{status}: {created}");
            ids.Add(created.Str("id"));
        }

        using (var supervisor = await source.AsAsync(SupervisorKr))
        {
            foreach (var (id, decision) in ids.Zip(Decisions))
            {
                var (status, body) = await supervisor.PostJsonAsync($"/api/requests/{id}/decisions", new { decision, comment = "Reviewed.", version = 1 });
                Assert.True(status == HttpStatusCode.OK, $"{decision} on {id}: {status} {body}");
            }
        }

        var before = await SnapshotAsync(source, ids);
        Log($"source loaded: {ids.Count} requests");

        // The drill: a dump of the running database, restored into a new one (docs/operations.md, "Backup and restore").
        var dump = Path.Combine(cluster.ScratchDirectory, "jointops.dump");
        var sourceDatabase = new Npgsql.NpgsqlConnectionStringBuilder(deployment.ConnectionString).Database!;
        await cluster.RunToolAsync("pg_dump", ["--host=127.0.0.1", $"--port={cluster.Port}", "--username=postgres",
            "--format=custom", $"--file={dump}", sourceDatabase]);
        var restored = await cluster.CreateDatabaseAsync("jointops_restored");
        await cluster.RunToolAsync("pg_restore", ["--host=127.0.0.1", $"--port={cluster.Port}", "--username=postgres",
            "--no-owner", "--exit-on-error", "--dbname=jointops_restored", dump]);
        Log($"dumped ({new FileInfo(dump).Length / 1024} KB) and restored");

        await using var copy = new ServerProcess("restored", ServerProcess.Settings(restored, deployment.Mail.Port, AppFixture.Password));
        await copy.StartAsync();
        var after = await SnapshotAsync(copy, ids);
        Log("a server on the copy is up");

        foreach (var id in ids)
        {
            Assert.Equal(before[id], after[id]);
        }

        var books = await Books.ReadAsync(restored);
        var failures = books.CheckEveryRequestIsWhole();
        Assert.True(failures.Count == 0, string.Join('\n', failures));
        Assert.Equal(ids.Order(), books.Requests.Select(r => r.Id.ToString()).Order());

        // The copy carries on: a decision extends a restored chain, a new request takes the next reference (counters and
        // identity sequences came along).
        using var supervisorOnCopy = await copy.AsAsync(SupervisorKr);
        var (decided, view) = await supervisorOnCopy.PostJsonAsync($"/api/requests/{ids[4]}/decisions", new { decision = "approve", comment = "After the restore.", version = 1 });
        Assert.True(decided == HttpStatusCode.OK, $"{decided}: {view}");
        Assert.Equal(JsonSerializer.Deserialize<JsonElement[]>(before[ids[4]].History)!.Length + 1, (await ProcessDeployment.HistoryAsync(copy, ids[4])).Length);
        var (submitted, fresh) = await (await copy.AsAsync(OfficerKr)).PostJsonAsync("/api/requests", NewRequest());
        Assert.True(submitted == HttpStatusCode.Created, $"{submitted}: {fresh}");
        Assert.DoesNotContain(fresh.Str("reference"), after.Values.Select(v => v.Reference));
    }

    /// <summary>Each request and its history as the auditor reads them (the history's chain must verify).</summary>
    private static async Task<Dictionary<string, Snapshot>> SnapshotAsync(ServerProcess server, IReadOnlyList<string> ids)
    {
        var snapshot = new Dictionary<string, Snapshot>();
        using var auditor = await server.AsAsync(AuditorKr);
        foreach (var id in ids)
        {
            var (status, request) = await auditor.GetJsonAsync($"/api/requests/{id}");
            Assert.True(status == HttpStatusCode.OK, $"{id}: {status} {request}");
            var history = await ProcessDeployment.HistoryAsync(server, id);
            snapshot[id] = new Snapshot(request.Str("reference"), request.GetRawText(), JsonSerializer.Serialize(history));
        }

        return snapshot;
    }

    private sealed record Snapshot(string Reference, string Request, string History);
}
