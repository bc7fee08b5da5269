using System.Diagnostics;
using System.Net;
using JointOps.Server.Tests.Deadlines;
using JointOps.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JointOps.Server.Tests.Faults;

/// <summary>
/// The server killed with SIGKILL, twice, while 16 clients submit and decide: a decision is one transaction, so each
/// one a client saw succeed is there whole, each cut off is there whole or not at all, and the restarted server serves
/// at once.
/// </summary>
[Collection(ServerProcesses.Name)]
public sealed class ServerKillTests(ITestOutputHelper output)
{
    private const int Clients = 16;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private void Log(string line) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:F1} s  {line}");

    [Fact]
    public async Task Killing_the_server_under_load_loses_no_decision_and_leaves_none_half_applied()
    {
        await using var deployment = await ProcessDeployment.CreateAsync("jointops_kill_load", new Dictionary<string, string>
        {
            // A killed sender's claimed mails wait for their lease to end: short here, so the test need not wait minutes.
            ["Deadlines:MailLease"] = "00:00:03",
        });
        var server = deployment.AddServer("server");
        var starting = Stopwatch.StartNew();
        await server.StartAsync();
        var firstStart = starting.Elapsed;
        Log("started");

        var load = await DecisionLoad.RunAsync(_ => server, Clients, async load =>
        {
            for (var kill = 1; kill <= 2; kill++)
            {
                await load.WaitForSuccessesAsync(120, TimeSpan.FromSeconds(60), deployment.Output);
                var cutBefore = load.Unanswered;
                await server.KillAsync();
                Log($"kill {kill} under load: {load.Summary()}");

                var restart = Stopwatch.StartNew();
                await server.StartAsync();
                var healthy = restart.Elapsed;
                using var auditor = await server.AsAsync(Scenario.AuditorKr);
                var (status, body) = await auditor.GetJsonAsync("/api/requests");
                var serving = restart.Elapsed - healthy;
                Log($"restarted: healthy after {healthy.TotalSeconds:F1} s (first start {firstStart.TotalSeconds:F1} s), first request answered {(int)status} {serving.TotalSeconds:F1} s later");

                // At once: no lock, lease or recovery of the killed run's holds the new one back; it starts as a fresh one does.
                Assert.True(status == HttpStatusCode.OK, $"The restarted server answered {status}: {body}");
                Assert.True(healthy < firstStart * 2 + TimeSpan.FromSeconds(10) && serving < TimeSpan.FromSeconds(10),
                    $"The restarted server took {healthy.TotalSeconds:F1} s to be healthy (a fresh start took {firstStart.TotalSeconds:F1} s) " +
                    $"and {serving.TotalSeconds:F1} s more to serve.\n{server.Output}");
                Assert.True(load.Unanswered > cutBefore, "The kill cut no call off: it did not land under load.");
            }

            await load.WaitForSuccessesAsync(60, TimeSpan.FromSeconds(60), deployment.Output);
        });
        Log($"load stopped: {load.Summary()}");

        await deployment.WaitUntilQuietAsync(TimeSpan.FromSeconds(30));
        var caughtBefore = deployment.Mail.Messages.Select(m => m.MessageId).ToHashSet();
        var books = await Books.ReadAsync(deployment.ConnectionString);
        var caughtAfter = deployment.Mail.Messages.Select(m => m.MessageId).ToHashSet();
        Log($"{books.Requests.Count} requests, {books.AllOutbox.Count} mails; paths:{books.DescribePaths()}");

        var failures = books.CheckEveryRequestIsWhole();
        failures.AddRange(books.CheckClientsSawTheTruth(load.Calls, everyMoveSeen: false));
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(40)));
        Assert.Equal(0, load.Count(HttpStatusCode.InternalServerError));

        // Every mail caught was written and every mail recorded as sent was caught; after a kill one may go twice, with its Message-Id.
        Assert.Subset(books.AllOutbox.Select(m => m.MessageId).ToHashSet(), caughtBefore);
        Assert.All(books.AllOutbox.Where(m => m.State == Persistence.OutboxState.Sent), m => Assert.Contains(m.MessageId, caughtAfter));
    }
}
