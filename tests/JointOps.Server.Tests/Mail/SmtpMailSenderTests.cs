using JointOps.Server.Mail;
using JointOps.Server.Persistence;
using MailKit;
using MailKit.Net.Smtp;
using Microsoft.Extensions.Options;

namespace JointOps.Server.Tests.Mail;

/// <summary>The SMTP sender against a real SMTP listener on a free loopback port, well-behaved and faulty.</summary>
public sealed class SmtpMailSenderTests : IAsyncLifetime
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    // Disposed by DisposeAsync (xunit's IAsyncLifetime).
    private MailCatcher Catcher { get; } = new(port: 0);

    private SmtpMailSender Sender() => new(Options.Create(new MailOptions
    {
        Host = "127.0.0.1",
        Port = Catcher.Port,
        Security = "None",
        From = "jointops@jointops.test",
        FromName = "JointOps",
        TimeoutSeconds = 5,
    }));

    private static OutboxMessage Outbox() => new()
    {
        MessageId = $"{Guid.CreateVersion7():N}@jointops.test",
        Kind = "Reminder",
        Recipients = [new("liaison.kh@jointops.test", "Sokha Chea")],
        Subject = "Reminder: request KR-2026-0042 확인 요청 / សំណើ",
        TextBody = "Please review request KR-2026-0042 before 12 May 2026, 17:00 (Asia/Seoul).\nhttps://jointops.test/requests/42\n",
        HtmlBody = "<p>Please review <a href=\"https://jointops.test/requests/42\">KR-2026-0042</a> — 확인 요청.</p>",
        CreatedAt = DateTimeOffset.UtcNow,
    };

    public Task InitializeAsync() => Catcher.StartAsync(CancellationToken.None);

    public async Task DisposeAsync() => await Catcher.DisposeAsync();

    [Fact]
    public async Task Sending_delivers_the_mail_with_its_stored_Message_Id_both_bodies_and_the_recipient()
    {
        var message = Outbox();

        await Sender().SendAsync(message, CancellationToken.None);

        var mail = Assert.Single(await Catcher.WaitForAsync(m => m.MessageId == message.MessageId, 1, Patience));
        Assert.Equal(message.MessageId, mail.MessageId);
        Assert.Equal(["liaison.kh@jointops.test"], mail.To);
        Assert.Equal("jointops@jointops.test", mail.From);
        Assert.Equal(message.Subject, mail.Subject);
        Assert.Equal(message.TextBody.ReplaceLineEndings(), mail.TextBody.ReplaceLineEndings());
        Assert.Equal(message.HtmlBody, mail.HtmlBody.TrimEnd());
    }

    [Fact]
    public async Task One_mail_reaches_all_its_recipients_and_a_refused_one_does_not_hold_back_the_others()
    {
        var message = Outbox();
        message.Recipients = [new("supervisor.kr@jointops.test", "Lee"), new("gone.kr@jointops.test", "Gone"), new("supervisor2.kr@jointops.test", "Park")];
        Catcher.RefuseRecipient("gone.kr@jointops.test");

        var e = await Assert.ThrowsAsync<RecipientsRefusedException>(() => Sender().SendAsync(message, CancellationToken.None));

        Assert.Equal([new MailRecipient("gone.kr@jointops.test", "Gone")], e.Refused);
        Assert.Contains("gone.kr@jointops.test: 550", e.Message, StringComparison.Ordinal);
        var mail = Assert.Single(await Catcher.WaitForAsync(m => m.MessageId == message.MessageId, 1, Patience));
        Assert.Equal(["supervisor.kr@jointops.test", "supervisor2.kr@jointops.test"], mail.To);
    }

    [Fact]
    public async Task A_server_that_refuses_every_recipient_makes_the_send_fail()
    {
        Catcher.RefuseRecipient("liaison.kh@jointops.test");

        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => Sender().SendAsync(Outbox(), CancellationToken.None));

        Assert.Equal(SmtpErrorCode.RecipientNotAccepted, e.ErrorCode);
        Assert.Equal(550, (int)e.StatusCode);
        Assert.Empty(Catcher.Messages);
    }

    [Fact]
    public async Task A_server_that_refuses_the_sender_makes_the_send_fail()
    {
        Catcher.Fault = MailCatcherFault.RejectSender;

        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => Sender().SendAsync(Outbox(), CancellationToken.None));

        Assert.Equal(451, (int)e.StatusCode);
        Assert.Equal(SmtpErrorCode.SenderNotAccepted, e.ErrorCode);
        Assert.Empty(Catcher.Messages);
    }

    [Theory]
    [InlineData(MailCatcherFault.RejectMessage, 451)]
    [InlineData(MailCatcherFault.RejectMessagePermanently, 554)]
    public async Task A_server_that_refuses_the_message_makes_the_send_fail(MailCatcherFault fault, int status)
    {
        Catcher.Fault = fault;

        var e = await Assert.ThrowsAsync<SmtpCommandException>(() => Sender().SendAsync(Outbox(), CancellationToken.None));

        Assert.Equal(status, (int)e.StatusCode);
        Assert.Equal(SmtpErrorCode.MessageNotAccepted, e.ErrorCode);
        Assert.Empty(Catcher.Messages);
    }

    [Fact]
    public async Task A_server_that_drops_the_connection_mid_message_makes_the_send_fail()
    {
        Catcher.Fault = MailCatcherFault.Disconnect;

        var e = await Assert.ThrowsAnyAsync<Exception>(() => Sender().SendAsync(Outbox(), CancellationToken.None));

        Assert.True(e is IOException or ProtocolException, $"{e.GetType()}: {e.Message}");
        Assert.Equal(1, Catcher.FaultsInjected);
        Assert.Empty(Catcher.Messages);
    }

    [Fact]
    public async Task Once_the_fault_is_switched_off_the_same_message_is_delivered_once()
    {
        var message = Outbox();
        Catcher.Fault = MailCatcherFault.Disconnect;
        await Assert.ThrowsAnyAsync<Exception>(() => Sender().SendAsync(message, CancellationToken.None));
        Catcher.Fault = MailCatcherFault.RejectMessage;
        await Assert.ThrowsAnyAsync<Exception>(() => Sender().SendAsync(message, CancellationToken.None));

        Catcher.Fault = MailCatcherFault.None;
        await Sender().SendAsync(message, CancellationToken.None);

        var mail = Assert.Single(await Catcher.WaitForAsync(m => m.MessageId == message.MessageId, 1, Patience));
        Assert.Equal(["liaison.kh@jointops.test"], mail.To);
        Assert.Single(Catcher.Messages);
    }

    [Fact]
    public async Task A_fault_for_the_next_two_deliveries_spoils_two_attempts_then_lets_the_third_through()
    {
        var message = Outbox();
        Catcher.FailNext(MailCatcherFault.RejectSender, times: 2);
        var sender = Sender();

        var outcomes = new List<bool>();
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                await sender.SendAsync(message, CancellationToken.None);
                outcomes.Add(true);
            }
            catch (SmtpCommandException)
            {
                outcomes.Add(false);
            }
        }

        Assert.Equal([false, false, true], outcomes);
        Assert.Equal(2, Catcher.FaultsInjected);
        Assert.Equal(MailCatcherFault.None, Catcher.Fault);
        Assert.Equal(message.MessageId, Assert.Single(Catcher.Messages).MessageId);
    }

    [Fact]
    public async Task A_server_that_is_not_there_makes_the_send_fail()
    {
        int port;
        await using (var gone = new MailCatcher(port: 0))
        {
            port = gone.Port;
        }

        var sender = new SmtpMailSender(Options.Create(new MailOptions { Host = "127.0.0.1", Port = port, Security = "None", TimeoutSeconds = 5 }));

        await Assert.ThrowsAnyAsync<System.Net.Sockets.SocketException>(() => sender.SendAsync(Outbox(), CancellationToken.None));
    }

    [Theory]
    [InlineData(null, "None", "Mail:Host")]
    [InlineData("127.0.0.1", "None", "Mail:TimeoutSeconds", 0)]
    [InlineData("127.0.0.1", "Tls", "Mail:Security 'Tls'")]
    [InlineData("127.0.0.1", "1", "Mail:Security '1'")]
    public async Task Settings_that_cannot_work_fail_with_a_message_naming_the_setting(string? host, string security, string named, int timeoutSeconds = 5)
    {
        var sender = new SmtpMailSender(Options.Create(new MailOptions { Host = host, Port = Catcher.Port, Security = security, TimeoutSeconds = timeoutSeconds }));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => sender.SendAsync(Outbox(), CancellationToken.None));

        Assert.Contains(named, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_MIME_message_keeps_the_stored_Message_Id_and_date_and_is_marked_as_automatic()
    {
        var message = Outbox();

        using var mime = SmtpMailSender.ToMime(message, new MailOptions { From = "jointops@jointops.test", FromName = "JointOps" });

        Assert.Equal(message.MessageId, mime.MessageId);
        Assert.Contains($"<{message.MessageId}>", mime.Headers[MimeKit.HeaderId.MessageId], StringComparison.Ordinal);
        Assert.Equal(message.CreatedAt.ToUnixTimeSeconds(), mime.Date.ToUnixTimeSeconds());
        Assert.Equal("auto-generated", mime.Headers["Auto-Submitted"]);
        Assert.Equal("multipart/alternative", Assert.IsType<MimeKit.MultipartAlternative>(mime.Body).ContentType.MimeType);
    }

    [Theory]
    [InlineData("not an id")]
    [InlineData("<0193d2a4c1b87f00a1b2c3d4e5f60718@jointops.test>")]
    public void A_Message_Id_that_would_not_survive_unchanged_is_refused(string messageId)
    {
        var message = Outbox();
        message.MessageId = messageId;

        var e = Assert.Throws<InvalidOperationException>(() => SmtpMailSender.ToMime(message, new MailOptions()));

        Assert.Contains(messageId, e.Message, StringComparison.Ordinal);
    }
}
