using JointOps.Server.Persistence;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace JointOps.Server.Mail;

/// <summary>
/// Sends one outbox message over SMTP, one connection per message, to all its recipients at once. Any failure (refused,
/// dropped, timed out, misconfigured) is thrown to the caller, which retries with back-off; recipients the server
/// refused while it took the mail for others come back in a <see cref="RecipientsRefusedException"/>, to be retried alone.
/// </summary>
public sealed class SmtpMailSender(IOptions<MailOptions> options) : IMailSender
{
    public async Task SendAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var mail = options.Value;
        if (string.IsNullOrWhiteSpace(mail.Host))
        {
            throw new InvalidOperationException("Mail:Host is not configured.");
        }

        if (mail.TimeoutSeconds <= 0)
        {
            throw new InvalidOperationException("Mail:TimeoutSeconds must be positive.");
        }

        using var mime = ToMime(message, mail);
        using var client = new RefusalsClient { Timeout = checked(mail.TimeoutSeconds * 1000) };
        await client.ConnectAsync(mail.Host, mail.Port, ParseSecurity(mail.Security), cancellationToken);
        if (!string.IsNullOrEmpty(mail.UserName))
        {
            await client.AuthenticateAsync(mail.UserName, mail.Password ?? "", cancellationToken);
        }

        await client.SendAsync(mime, cancellationToken);
        try
        {
            await client.DisconnectAsync(quit: true, cancellationToken);
        }
        catch (Exception e) when (e is IOException or ProtocolException or SmtpCommandException)
        {
            // The server has accepted the message: a failed QUIT must not make the caller send it again.
        }

        if (client.Refused.Count > 0)
        {
            var refused = client.Refused.Select(r => r.Mailbox.Address).ToHashSet(StringComparer.OrdinalIgnoreCase);
            throw new RecipientsRefusedException(
                [.. message.Recipients.Where(r => refused.Contains(r.Email))],
                string.Join("; ", client.Refused.Select(r => $"{r.Mailbox.Address}: {(int)r.Response.StatusCode} {r.Response.Response}")));
        }
    }

    /// <summary>Takes a refused recipient in its stride, so the others still get the mail; fails only when all are refused.</summary>
    private sealed class RefusalsClient : SmtpClient
    {
        public List<(MailboxAddress Mailbox, SmtpResponse Response)> Refused { get; } = [];

        protected override void OnRecipientNotAccepted(MimeMessage message, MailboxAddress mailbox, SmtpResponse response) =>
            Refused.Add((mailbox, response));

        protected override void OnNoRecipientsAccepted(MimeMessage message)
        {
            var (mailbox, response) = Refused[^1];
            throw new SmtpCommandException(SmtpErrorCode.RecipientNotAccepted, response.StatusCode, mailbox, response.Response);
        }
    }

    /// <summary>The MIME message for an outbox row; its Message-Id is the stored one, so a resent mail is recognisably the same.</summary>
    public static MimeMessage ToMime(OutboxMessage message, MailOptions mail)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(mail);
        var body = new BodyBuilder { TextBody = message.TextBody };
        if (!string.IsNullOrEmpty(message.HtmlBody))
        {
            body.HtmlBody = message.HtmlBody;
        }

        var mime = new MimeMessage
        {
            MessageId = message.MessageId,
            Date = message.CreatedAt,
            Subject = message.Subject,
            Body = body.ToMessageBody(),
        };
        if (mime.MessageId != message.MessageId)
        {
            // MimeKit quietly repairs what it cannot parse ("not an id" becomes "notanid"): a resend would no longer match.
            throw new InvalidOperationException($"Message-Id '{message.MessageId}' is not a valid msg-id without angle brackets.");
        }

        mime.From.Add(new MailboxAddress(mail.FromName, mail.From));
        mime.To.AddRange(message.Recipients.Select(r => new MailboxAddress(r.Name, r.Email)));

        // Notifications are machine-written: out-of-office replies should not answer them (RFC 3834).
        mime.Headers.Add("Auto-Submitted", "auto-generated");
        return mime;
    }

    /// <summary>By name only (case-insensitive), so a typo or a number in the settings fails loudly.</summary>
    private static SecureSocketOptions ParseSecurity(string value) =>
        Enum.GetNames<SecureSocketOptions>().FirstOrDefault(name => string.Equals(name, value.Trim(), StringComparison.OrdinalIgnoreCase)) is { } known
            ? Enum.Parse<SecureSocketOptions>(known)
            : throw new InvalidOperationException(
                $"Mail:Security '{value}' is not one of {string.Join(", ", Enum.GetNames<SecureSocketOptions>())}.");
}

/// <summary>The mail server took the mail for some recipients and refused it for these, who are still owed it.</summary>
public sealed class RecipientsRefusedException(IReadOnlyList<MailRecipient> refused, string detail)
    : Exception($"Refused for {refused.Count} recipient(s): {detail}")
{
    public IReadOnlyList<MailRecipient> Refused { get; } = refused;
}
