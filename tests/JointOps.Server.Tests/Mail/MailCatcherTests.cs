using System.Net.Sockets;
using JointOps.Server.Mail;
using MimeKit;

namespace JointOps.Server.Tests.Mail;

/// <summary>The catcher on its own, driven by MailKit directly.</summary>
public sealed class MailCatcherTests
{
    private static MimeMessage Mail(int number)
    {
        var mime = new MimeMessage { Subject = $"Mail {number}", Body = new TextPart("plain") { Text = $"Body {number}" } };
        mime.From.Add(MailboxAddress.Parse("jointops@jointops.test"));
        mime.To.Add(MailboxAddress.Parse($"user{number}@jointops.test"));
        return mime;
    }

    private static async Task SendAsync(int port, params MimeMessage[] mails)
    {
        using var client = new MailKit.Net.Smtp.SmtpClient { Timeout = 5000 };
        await client.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        foreach (var mail in mails)
        {
            await client.SendAsync(mail);
        }

        await client.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task Port_zero_binds_a_free_loopback_port_and_two_catchers_run_side_by_side()
    {
        await using var first = new MailCatcher(port: 0);
        await using var second = new MailCatcher(port: 0);
        await first.StartAsync(CancellationToken.None);
        await second.StartAsync(CancellationToken.None);

        Assert.NotEqual(0, first.Port);
        Assert.NotEqual(first.Port, second.Port);
        Assert.Throws<SocketException>(() => new MailCatcher(first.Port));

        await SendAsync(second.Port, Mail(1));
        Assert.Single(await second.WaitForAsync(_ => true, 1, TimeSpan.FromSeconds(5)));
        Assert.Empty(first.Messages);
    }

    [Fact]
    public async Task Mails_are_listed_newest_first_and_only_the_most_recent_are_kept()
    {
        await using var catcher = new MailCatcher(port: 0, capacity: 3);
        await catcher.StartAsync(CancellationToken.None);

        await SendAsync(catcher.Port, [.. Enumerable.Range(1, 5).Select(Mail)]);

        var waited = await catcher.WaitForAsync(m => m.Subject == "Mail 5", 1, TimeSpan.FromSeconds(5));
        Assert.Equal(["Mail 5", "Mail 4", "Mail 3"], catcher.Messages.Select(m => m.Subject));
        Assert.Equal(["user5@jointops.test"], waited[0].To);
        Assert.Equal(5, catcher.Messages[0].Sequence);
    }

    [Fact]
    public async Task Waiting_returns_the_matching_mails_in_the_order_they_arrived()
    {
        await using var catcher = new MailCatcher(port: 0);
        await catcher.StartAsync(CancellationToken.None);

        var waiting = catcher.WaitForAsync(m => m.Subject != "Mail 2", 2, TimeSpan.FromSeconds(5));
        await SendAsync(catcher.Port, Mail(1), Mail(2), Mail(3));

        Assert.Equal(["Mail 1", "Mail 3"], (await waiting).Select(m => m.Subject));
    }

    [Fact]
    public async Task Waiting_for_mail_that_never_comes_times_out_saying_what_did_arrive()
    {
        await using var catcher = new MailCatcher(port: 0);
        await catcher.StartAsync(CancellationToken.None);
        await SendAsync(catcher.Port, Mail(1));

        var e = await Assert.ThrowsAsync<TimeoutException>(
            () => catcher.WaitForAsync(m => m.Subject == "Mail 2", 1, TimeSpan.FromMilliseconds(300)));

        Assert.Contains("0 of the 1 caught matched", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_stopped_catcher_refuses_connections()
    {
        var catcher = new MailCatcher(port: 0);
        await catcher.StartAsync(CancellationToken.None);
        await SendAsync(catcher.Port, Mail(1));

        await catcher.StopAsync(CancellationToken.None);

        await Assert.ThrowsAsync<SocketException>(() => SendAsync(catcher.Port, Mail(2)));
        await catcher.DisposeAsync();
    }

    [Fact]
    public async Task Concurrent_senders_each_have_their_mail_caught()
    {
        await using var catcher = new MailCatcher(port: 0);
        await catcher.StartAsync(CancellationToken.None);

        await Task.WhenAll(Enumerable.Range(1, 20).Select(n => SendAsync(catcher.Port, Mail(n))));

        var caught = await catcher.WaitForAsync(_ => true, 20, TimeSpan.FromSeconds(10));
        Assert.Equal(Enumerable.Range(1, 20).Select(n => $"Mail {n}").Order(), caught.Select(m => m.Subject).Order());
        Assert.Equal(Enumerable.Range(1, 20).Select(n => (long)n), caught.Select(m => m.Sequence));
    }

    [Fact]
    public async Task Stopping_does_not_wait_for_a_client_that_stays_connected()
    {
        await using var catcher = new MailCatcher(port: 0);
        await catcher.StartAsync(CancellationToken.None);
        using var idle = new MailKit.Net.Smtp.SmtpClient { Timeout = 5000 };
        await idle.ConnectAsync("127.0.0.1", catcher.Port, MailKit.Security.SecureSocketOptions.None);

        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await catcher.StopAsync(patience.Token);

        await Assert.ThrowsAnyAsync<MailKit.ProtocolException>(() => idle.NoOpAsync());
        await Assert.ThrowsAsync<InvalidOperationException>(() => catcher.StartAsync(CancellationToken.None));
    }
}
