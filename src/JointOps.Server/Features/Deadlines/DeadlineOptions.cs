namespace JointOps.Server.Features.Deadlines;

/// <summary>Section "Deadlines": how often and how much the timer sweep and the mail drain take at a time.</summary>
public sealed class DeadlineOptions
{
    public TimeSpan SweepInterval { get; set; } = TimeSpan.FromSeconds(1);
    public int TimerBatchSize { get; set; } = 500;
    public int MailBatchSize { get; set; } = 50;

    /// <summary>
    /// "Database" (default): a timer is due by the database's clock, one clock for every server.
    /// "Application": by the application's TimeProvider, for tests that move time.
    /// </summary>
    public string Clock { get; set; } = "Database";

    /// <summary>Attempts the drain makes (with back-off) before handing a mail to a Hangfire job that keeps trying.</summary>
    public int MailAttempts { get; set; } = 5;

    /// <summary>How long a sender's claim on a mail lasts; a crashed sender's mails are taken up after it.</summary>
    public TimeSpan MailLease { get; set; } = TimeSpan.FromMinutes(2);
}
