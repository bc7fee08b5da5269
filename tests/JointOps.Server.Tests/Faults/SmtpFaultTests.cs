using System.Diagnostics;
using JointOps.Server.Features.Mail;
using JointOps.Server.Mail;
using JointOps.Server.Persistence;
using JointOps.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Faults;

/// <summary>
/// The server on PostgreSQL mailing a catcher that misbehaves, with the server's clock in the test's hand so back-off
/// is seen without waiting for it: the drain sweeps every 100 ms and gives a silent SMTP server 1 s.
/// </summary>
public class SmtpFaultFixture : AppFixture
{
    public MailCatcher Mail { get; } = new(port: 0);

    // Whole seconds: PostgreSQL keeps microseconds, and the test compares times it computes with times stored.
    public StoppedClock Clock { get; } = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    public override string Provider => "Postgres";

    protected virtual string DatabaseName => "jointops_smtp_faults";

    protected override async Task<string> CreateDatabaseAsync()
    {
        await Mail.StartAsync(CancellationToken.None);
        return await PostgresServer.CreateDatabaseAsync(DatabaseName);
    }

    protected override async Task DropDatabaseAsync()
    {
        await Mail.DisposeAsync();
        await PostgresServer.DropDatabaseAsync(ConnectionString);
    }

    protected override void Configure(IWebHostBuilder builder)
    {
        builder.UseSetting("Mail:Host", "127.0.0.1");
        builder.UseSetting("Mail:Port", Mail.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("Mail:Security", "None");
        builder.UseSetting("Mail:TimeoutSeconds", "1");
        builder.UseSetting("Deadlines:SweepInterval", "00:00:00.100");
        builder.UseSetting("Deadlines:Clock", "Application");
        builder.ConfigureTestServices(services => services.AddSingleton<TimeProvider>(Clock));
    }

    public async Task<OutboxMessage> WaitForAsync(long id, Func<OutboxMessage, bool> condition)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var mail = await MailAsync(id);
            if (condition(mail))
            {
                return mail;
            }

            Assert.True(Stopwatch.GetElapsedTime(started) < TimeSpan.FromSeconds(20),
                $"Mail {mail.MessageId}: {mail.State}, {mail.Attempts} attempt(s), next at {mail.NextAttemptAt:O} (clock {Clock.GetUtcNow():O}), last error: {mail.LastError}");
            await Task.Delay(50);
        }
    }

    public async Task<OutboxMessage> MailAsync(long id)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<JointOpsDbContext>().Outbox.AsNoTracking().SingleAsync(m => m.Id == id);
    }

    /// <summary>Writes a mail to these recipients straight into the outbox, due now.</summary>
    public async Task<OutboxMessage> WriteMailAsync(List<MailRecipient> recipients)
    {
        var now = Clock.GetUtcNow();
        var mail = new OutboxMessage
        {
            MessageId = $"{Guid.CreateVersion7():N}@jointops.test", Kind = MailKinds.TaskAssigned, Recipients = recipients,
            Subject = "A task", TextBody = "A task awaits you.", CreatedAt = now, NextAttemptAt = now,
        };
        await using var scope = Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JointOpsDbContext>();
        db.Outbox.Add(mail);
        await db.SaveChangesAsync();
        return mail;
    }

    public async Task<OutboxMessage> TaskMailAsync(Guid requestId)
    {
        await using var scope = Factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<JointOpsDbContext>().Outbox.AsNoTracking()
            .SingleAsync(m => m.RequestId == requestId && m.Kind == MailKinds.TaskAssigned);
    }
}

/// <summary>A clock that stands still until the test moves it; timers and delays still run in real time.</summary>
public sealed class StoppedClock(DateTimeOffset start) : TimeProvider
{
    private long _ticks = start.UtcTicks;

    public override DateTimeOffset GetUtcNow() => new(Interlocked.Read(ref _ticks), TimeSpan.Zero);

    public void Advance(TimeSpan by) => Interlocked.Add(ref _ticks, by.Ticks);
}

/// <summary>
/// An SMTP server that refuses, hangs or hangs up mid-message: the mail stays in the outbox with its attempts and the
/// error, is tried again only after its back-off (2 s, then 4 s), and once the server behaves it is delivered, once.
/// </summary>
public sealed class SmtpFaultTests(SmtpFaultFixture app) : IClassFixture<SmtpFaultFixture>
{
    // Long enough for several sweeps at 100 ms: had the drain ignored the back-off it would have tried again by then.
    private static readonly TimeSpan SeveralSweeps = TimeSpan.FromMilliseconds(800);

    [Theory]
    [InlineData(MailCatcherFault.RejectSender, "4.3.0")]
    [InlineData(MailCatcherFault.RejectMessage, "4.3.0")]
    [InlineData(MailCatcherFault.Stall, "timed out")]
    [InlineData(MailCatcherFault.Disconnect, "")]
    public async Task Mail_to_a_failing_SMTP_server_stays_in_the_outbox_is_retried_with_back_off_and_is_delivered_once_it_recovers(
        MailCatcherFault fault, string error)
    {
        app.Mail.Fault = fault;
        var faultsBefore = app.Mail.FaultsInjected;
        var request = await new Scenario(app).SubmitAsync(OfficerKr);
        var mail = await app.TaskMailAsync(Guid.Parse(request.Str("id")));
        var writtenAt = app.Clock.GetUtcNow();

        // First attempt fails: kept, counted, explained, and due again after 2 s of the server's clock.
        var failed = await app.WaitForAsync(mail.Id, m => m.Attempts == 1);
        Assert.Equal(OutboxState.Pending, failed.State);
        Assert.Null(failed.LockedUntil);
        Assert.Null(failed.SentAt);
        Assert.False(string.IsNullOrWhiteSpace(failed.LastError));
        Assert.Contains(error, failed.LastError, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(writtenAt + DrainOutbox.Handler.Backoff(1), failed.NextAttemptAt);
        Assert.Equal(faultsBefore + 1, app.Mail.FaultsInjected);

        await Task.Delay(SeveralSweeps);
        Assert.Equal(1, (await app.MailAsync(mail.Id)).Attempts);

        // Due: the second attempt fails too, and the back-off doubles.
        app.Clock.Advance(DrainOutbox.Handler.Backoff(1));
        var again = await app.WaitForAsync(mail.Id, m => m.Attempts == 2);
        Assert.Equal(OutboxState.Pending, again.State);
        Assert.Equal(app.Clock.GetUtcNow() + DrainOutbox.Handler.Backoff(2), again.NextAttemptAt);

        // The server recovers; the mail still waits out its back-off, then goes once.
        app.Mail.Fault = MailCatcherFault.None;
        app.Clock.Advance(DrainOutbox.Handler.Backoff(2) - TimeSpan.FromSeconds(1));
        await Task.Delay(SeveralSweeps);
        Assert.Equal(2, (await app.MailAsync(mail.Id)).Attempts);
        Assert.DoesNotContain(app.Mail.Messages, m => m.MessageId == mail.MessageId);

        app.Clock.Advance(TimeSpan.FromSeconds(1));
        var sent = await app.WaitForAsync(mail.Id, m => m.State == OutboxState.Sent);
        Assert.Equal(2, sent.Attempts);
        Assert.Equal(app.Clock.GetUtcNow(), sent.SentAt);
        await Task.Delay(SeveralSweeps);
        var delivered = Assert.Single(app.Mail.Messages, m => m.MessageId == mail.MessageId);
        Assert.Equal([SupervisorKr], delivered.To);
        Assert.Equal(faultsBefore + 2, app.Mail.FaultsInjected);
    }

    [Fact]
    public async Task A_refused_recipient_is_retried_alone_while_the_others_get_the_mail_at_once()
    {
        const string Gone = "gone.kr@jointops.test";
        app.Mail.RefuseRecipient(Gone);
        var mail = await app.WriteMailAsync([new(SupervisorKr, "Lee"), new(Gone, "Gone"), new(Supervisor2Kr, "Park")]);

        // The two who are there get it now; the mail stays owed to the third alone, with why, and backs off.
        var owed = await app.WaitForAsync(mail.Id, m => m.Attempts == 1);
        Assert.Equal(OutboxState.Pending, owed.State);
        Assert.Equal([new MailRecipient(Gone, "Gone")], owed.Recipients);
        Assert.Contains($"{Gone}: 550", owed.LastError, StringComparison.Ordinal);
        Assert.Equal(app.Clock.GetUtcNow() + DrainOutbox.Handler.Backoff(1), owed.NextAttemptAt);
        var first = Assert.Single(app.Mail.Messages, m => m.MessageId == mail.MessageId);
        Assert.Equal([SupervisorKr, Supervisor2Kr], first.To);

        // Once the address takes mail again, the retry goes to it alone, under the same Message-Id.
        app.Mail.AcceptRecipient(Gone);
        app.Clock.Advance(DrainOutbox.Handler.Backoff(1));
        await app.WaitForAsync(mail.Id, m => m.State == OutboxState.Sent);
        await Task.Delay(SeveralSweeps);
        Assert.Equal([[Gone], [SupervisorKr, Supervisor2Kr]], app.Mail.Messages.Where(m => m.MessageId == mail.MessageId).Select(m => m.To));
    }
}
