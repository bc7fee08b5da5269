using Hangfire;
using Hangfire.Storage;
using JointOps.Server.Mail;
using JointOps.Server.Persistence;
using JointOps.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Faults;

/// <summary>The server of <see cref="SmtpFaultFixture"/>, giving a mail up to Hangfire after its first failure.</summary>
public sealed class HandedOverMailFixture : SmtpFaultFixture
{
    protected override string DatabaseName => "jointops_mail_handover";

    protected override void Configure(IWebHostBuilder builder)
    {
        base.Configure(builder);
        builder.UseSetting("Deadlines:MailAttempts", "1");
    }
}

/// <summary>
/// A mail the drain gives up on becomes a Hangfire job: it stays in the outbox as failing, the job's failures are
/// counted on it, and once the SMTP server recovers the job's retry delivers it, once.
/// </summary>
public sealed class HandedOverMailTests(HandedOverMailFixture app) : IClassFixture<HandedOverMailFixture>
{
    [Fact]
    public async Task A_mail_the_drain_gives_up_on_is_retried_by_Hangfire_and_delivered_once()
    {
        app.Mail.Fault = MailCatcherFault.RejectMessage;
        var request = await new Scenario(app).SubmitAsync(OfficerKr);
        var mail = await app.TaskMailAsync(Guid.Parse(request.Str("id")));

        // The drain's one attempt fails and hands the mail over; the job's first run fails too and is counted.
        var failing = await app.WaitForAsync(mail.Id, m => m.State == OutboxState.Failing && m.Attempts >= 2);
        Assert.Contains("4.3.0", failing.LastError, StringComparison.Ordinal);
        Assert.Null(failing.SentAt);
        Assert.DoesNotContain(app.Mail.Messages, m => m.MessageId == mail.MessageId);

        // Hangfire holds the retry (its first waits 15 s or more; the test runs it now), and it goes through.
        var storage = app.Factory.Services.GetRequiredService<JobStorage>();
        var retry = await RetryOfAsync(storage.GetMonitoringApi(), mail.Id);
        app.Mail.Fault = MailCatcherFault.None;
        Assert.True(app.Factory.Services.GetRequiredService<IBackgroundJobClient>().Requeue(retry));

        var sent = await app.WaitForAsync(mail.Id, m => m.State == OutboxState.Sent);
        Assert.Equal(failing.Attempts, sent.Attempts);
        var delivered = Assert.Single(app.Mail.Messages, m => m.MessageId == mail.MessageId);
        Assert.Equal([SupervisorKr], delivered.To);
    }

    /// <summary>The id of the job waiting to retry the delivery of outbox row <paramref name="outboxId"/>.</summary>
    private static async Task<string> RetryOfAsync(IMonitoringApi monitoring, long outboxId)
    {
        for (var tries = 0; tries < 200; tries++)
        {
            var scheduled = monitoring.ScheduledJobs(0, 100)
                .FirstOrDefault(j => j.Value.Job?.Method.Name == "DeliverAsync" && Equals(j.Value.Job.Args[0], outboxId));
            if (scheduled.Key is { } id)
            {
                return id;
            }

            await Task.Delay(100);
        }

        throw new Xunit.Sdk.XunitException($"No retry of mail {outboxId} is scheduled in Hangfire.");
    }
}
