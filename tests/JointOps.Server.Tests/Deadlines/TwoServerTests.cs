using System.Diagnostics;
using JointOps.Server.Mail;
using JointOps.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JointOps.Server.Tests.Deadlines;

/// <summary>
/// Two server processes started together on one fresh database, both sweeping timers and draining the outbox every 200 ms: they claim
/// timers and mails with SKIP LOCKED and leases, so each due reminder and escalation is sent by one of them, once.
/// </summary>
[Collection(ServerProcesses.Name)]
public sealed class TwoServerTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private void Log(string line) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:F1} s  {line}");

    [Fact]
    public async Task Two_servers_started_together_on_one_database_send_each_due_reminder_and_escalation_exactly_once()
    {
        await using var deployment = await ProcessDeployment.CreateAsync("jointops_two_servers");
        ServerProcess[] servers = [deployment.AddServer("server A"), deployment.AddServer("server B")];

        // Started together on a fresh database: one migrates, installs the workflows and seeds while the other waits.
        await Task.WhenAll(servers.Select(s => s.StartAsync()));

        Log($"two servers up: {servers[0].BaseAddress}, {servers[1].BaseAddress}");

        var requests = new List<(string Id, string Reference)>();
        for (var i = 0; i < 10; i++)
        {
            requests.Add(await ProcessDeployment.SubmitAsync(servers[i % 2]));
        }

        Log($"submitted {requests.Count} through both servers");
        await deployment.WaitUntilAsync(
            () => requests.All(r => deployment.Reminders(r.Reference).Count > 0 && Distinct(deployment.Escalations(r.Reference)) >= 2),
            Patience, "every request's reminder and two escalations");
        Log("every request reminded and escalated twice; approving them");
        for (var i = 0; i < requests.Count; i++)
        {
            await ProcessDeployment.ApproveAsync(servers[(i + 1) % 2], requests[i].Id);
        }

        var repeated = await deployment.AssertEveryDueMailSentOnceAsync(servers[0], requests, decided: [], minimumEscalations: 2);

        // Without crashes not even a repeated delivery: a claimed mail is the claimer's until it is sent.
        Assert.Equal(0, repeated);
        Assert.All(requests, r => Assert.Single(deployment.Reminders(r.Reference)));
        Assert.All(servers, s => Assert.True(s.IsRunning, s.Output));
        Log($"quiet and balanced: {deployment.Mail.Messages.Count} deliveries; " +
            string.Join(", ", requests.Select(r => $"{r.Reference}: {Distinct(deployment.Escalations(r.Reference))} escalations")));
    }

    private static int Distinct(IReadOnlyList<CapturedMail> mails) => mails.Select(m => m.MessageId).Distinct().Count();
}
