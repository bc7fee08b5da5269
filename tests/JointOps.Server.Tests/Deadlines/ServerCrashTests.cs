using System.Diagnostics;
using JointOps.Server.Mail;
using JointOps.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JointOps.Server.Tests.Deadlines;

/// <summary>
/// The server as an OS process, killed with SIGKILL at several moments of a deadline's life and started again on the
/// same database: timers and mails are rows written in the transactions that caused them, so a crash loses none
/// of them and fires none twice; a mail may be delivered again after a crash, but with its Message-Id.
/// </summary>
[Collection(ServerProcesses.Name)]
public sealed class ServerCrashTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(45);
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private void Log(string line) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:F1} s  {line}");

    [Fact]
    public async Task Reminders_and_escalations_due_across_server_kills_are_all_sent_none_twice_and_none_for_decided_requests()
    {
        await using var deployment = await ProcessDeployment.CreateAsync("jointops_crash", new Dictionary<string, string>
        {
            // A killed sender's claimed mails wait for their lease to end: short here, so the test need not wait minutes.
            ["Deadlines:MailLease"] = "00:00:03",
        });
        var server = deployment.AddServer("server");
        await server.StartAsync();
        Log($"started from {ServerProcess.ServerDirectory}");

        var undecided = new List<(string Id, string Reference)>();
        var decided = new List<(string Id, string Reference)>();
        for (var i = 0; i < 9; i++)
        {
            var request = await ProcessDeployment.SubmitAsync(server);
            if (i % 3 == 2)
            {
                // Decided well before its reminder (3 s): it must never remind nor escalate, crashes or not.
                await ProcessDeployment.ApproveAsync(server, request.Id);
                decided.Add(request);
            }
            else
            {
                undecided.Add(request);
            }
        }

        Log($"submitted {undecided.Count + decided.Count}, approved {decided.Count}; kill 1 (timers and task mails written, mails being sent)");
        await KillAndRestartAsync(deployment, server);

        await deployment.WaitUntilAsync(() => undecided.Any(r => deployment.Reminders(r.Reference).Count > 0), Patience, "a first reminder");
        Log($"kill 2 (reminders firing and being sent: {undecided.Count(r => deployment.Reminders(r.Reference).Count > 0)} caught)");
        await KillAndRestartAsync(deployment, server);

        await deployment.WaitUntilAsync(() => undecided.Any(r => deployment.Escalations(r.Reference).Count > 0), Patience, "a first escalation");
        Log($"kill 3 (deadlines firing, next escalations being set: {undecided.Count(r => deployment.Escalations(r.Reference).Count > 0)} escalated)");
        await KillAndRestartAsync(deployment, server);

        await deployment.WaitUntilAsync(() => undecided.Any(r => Distinct(deployment.Escalations(r.Reference)) >= 2), Patience, "a repeated escalation");
        Log("kill 4 (repeated escalations firing)");
        await KillAndRestartAsync(deployment, server);

        await deployment.WaitUntilAsync(() => undecided.All(r => deployment.Reminders(r.Reference).Count > 0 && Distinct(deployment.Escalations(r.Reference)) >= 2),
            Patience, "every undecided request's reminder and two escalations");
        Log("every undecided request reminded and escalated twice; approving them");
        foreach (var (id, _) in undecided)
        {
            await ProcessDeployment.ApproveAsync(server, id);
        }

        var repeated = await deployment.AssertEveryDueMailSentOnceAsync(server, undecided, decided, minimumEscalations: 2);
        Log($"quiet and balanced after {server.Starts} starts: {deployment.Mail.Messages.Count} deliveries, {repeated} repeating a Message-Id; " +
            string.Join(", ", undecided.Select(r => $"{r.Reference}: {Distinct(deployment.Escalations(r.Reference))} escalations")));
    }

    private async Task KillAndRestartAsync(ProcessDeployment deployment, ServerProcess server)
    {
        await server.KillAsync();
        Log($"killed: {await deployment.DescribeWorkAsync()}");
        await server.StartAsync();
        Log("restarted");
    }

    private static int Distinct(IReadOnlyList<CapturedMail> mails) => mails.Select(m => m.MessageId).Distinct().Count();
}
