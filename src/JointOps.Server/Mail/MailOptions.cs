namespace JointOps.Server.Mail;

/// <summary>SMTP settings (section "Mail"). With no Host in Development, the embedded mail catcher receives everything.</summary>
public sealed class MailOptions
{
    public string? Host { get; set; }
    public int Port { get; set; } = 25;

    /// <summary>None, StartTls, StartTlsWhenAvailable or SslOnConnect (MailKit's SecureSocketOptions).</summary>
    public string Security { get; set; } = "StartTlsWhenAvailable";

    public string? UserName { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "jointops@localhost";
    public string FromName { get; set; } = "JointOps";

    /// <summary>The domain part of the Message-Ids JointOps assigns.</summary>
    public string MessageIdDomain { get; set; } = "jointops.local";

    /// <summary>The web app's address, for links in emails.</summary>
    public string BaseUrl { get; set; } = "http://localhost:5080";

    public int TimeoutSeconds { get; set; } = 30;

    /// <summary>How long a server remembers who holds a role, for addressing notifications (0: look up every time).</summary>
    public int RecipientCacheSeconds { get; set; } = 30;

    /// <summary>The embedded catcher's port in Development when no Host is set.</summary>
    public int CatcherPort { get; set; } = 2525;
}

/// <summary>
/// Sends one outbox message to all its recipients; throws when the server does not accept it, and
/// <see cref="RecipientsRefusedException"/> when it accepts it for only some of them.
/// </summary>
public interface IMailSender
{
    Task SendAsync(Persistence.OutboxMessage message, CancellationToken cancellationToken);
}
