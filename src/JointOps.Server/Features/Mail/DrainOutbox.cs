using Hangfire;
using JointOps.Server.Features.Deadlines;
using JointOps.Server.Infrastructure;
using JointOps.Server.Jobs;
using JointOps.Server.Mail;
using JointOps.Server.Persistence;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace JointOps.Server.Features.Mail;

/// <summary>
/// Sends a batch of due outbox mails. Each is claimed with a lease (so servers do not send the same mail, and a
/// crashed sender's mails are taken up when its lease ends), sent, and recorded as sent: at least once, with the
/// Message-Id fixed when the mail was written.
/// </summary>
public static partial class DrainOutbox
{
    public sealed record Command : IRequest<int>;

    /// <summary>
    /// Records a failed send on the mail: one more attempt and its error (the column holds 2,000 characters); when the
    /// server took the mail for some recipients, it is still owed to the rest alone.
    /// </summary>
    public static void RecordFailure(OutboxMessage message, Exception failure)
    {
        if (failure is RecipientsRefusedException { Refused.Count: > 0 } refused)
        {
            message.Recipients = [.. refused.Refused];
        }

        message.Attempts++;
        message.LastError = failure.Message.Length > 2000 ? failure.Message[..2000] : failure.Message;
    }

    public sealed partial class Handler(JointOpsDbContext db, IMailSender sender, IBackgroundJobClient jobs,
        IOptions<DeadlineOptions> options, TimeProvider time, ILogger<Handler> logger) : IRequestHandler<Command, int>
    {
        public async Task<int> Handle(Command command, CancellationToken cancellationToken)
        {
            var messages = await ClaimAsync(cancellationToken);
            foreach (var message in messages)
            {
                try
                {
                    await sender.SendAsync(message, cancellationToken);
                    message.State = OutboxState.Sent;
                    message.SentAt = time.GetUtcNow();
                    message.LockedUntil = null;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    RecordFailure(message, e);
                    message.NextAttemptAt = time.GetUtcNow() + Backoff(message.Attempts);
                    message.LockedUntil = null;
                    LogFailed(message.MessageId, message.Attempts, e.Message);
                    if (message.Attempts >= options.Value.MailAttempts)
                    {
                        // Enqueued before the state changes: a crash in between costs at most a duplicate with the same Message-Id.
                        jobs.Enqueue<MailDeliveryJob>(job => job.DeliverAsync(message.Id, CancellationToken.None));
                        message.State = OutboxState.Failing;
                    }
                }

                // Recorded one by one, so a crash loses the record of one mail at most.
                await RecordAsync(message, cancellationToken);
            }

            return messages.Count;
        }

        /// <summary>
        /// Only this process knows how the send went: should the database be away, the record waits for it (and the rest
        /// of the batch, still claimed by this process, waits too) rather than being dropped and the batch left claimed
        /// until its lease ends, to be sent again.
        /// </summary>
        private async Task RecordAsync(OutboxMessage message, CancellationToken cancellationToken)
        {
            var waitingSince = (DateTimeOffset?)null;
            while (true)
            {
                try
                {
                    await db.SaveChangesAsync(cancellationToken);
                    if (waitingSince is { } since)
                    {
                        var waited = time.GetUtcNow() - since;
                        LogRecorded(message.MessageId, waited.TotalSeconds);
                    }

                    return;
                }
                catch (Exception e) when (DatabaseUnavailable.Is(e) && !cancellationToken.IsCancellationRequested)
                {
                    if (waitingSince is null)
                    {
                        waitingSince = time.GetUtcNow();
                        LogRecordWaits(message.MessageId, DatabaseUnavailable.Describe(e));
                    }

                    await Task.Delay(RecordRetryInterval, time, cancellationToken);
                }
            }
        }

        private async Task<List<OutboxMessage>> ClaimAsync(CancellationToken cancellationToken)
        {
            var now = time.GetUtcNow();
            var batch = options.Value.MailBatchSize;
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var messages = db.Database.IsNpgsql()
                ? await db.Outbox.FromSql($"""
                    SELECT * FROM "Outbox"
                    WHERE "State" = 'pending' AND "NextAttemptAt" <= {now} AND ("LockedUntil" IS NULL OR "LockedUntil" < {now})
                    ORDER BY "NextAttemptAt" LIMIT {batch}
                    FOR UPDATE SKIP LOCKED
                    """).ToListAsync(cancellationToken)
                : await db.Outbox.Where(m => m.State == OutboxState.Pending && m.NextAttemptAt <= now && (m.LockedUntil == null || m.LockedUntil < now))
                    .OrderBy(m => m.NextAttemptAt).Take(batch).ToListAsync(cancellationToken);
            foreach (var message in messages)
            {
                message.LockedUntil = now + options.Value.MailLease;
            }

            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return messages;
        }

        /// <summary>How often a record waiting for the database is tried again.</summary>
        public static readonly TimeSpan RecordRetryInterval = TimeSpan.FromMilliseconds(500);

        /// <summary>2 s, 4 s, 8 s ... up to 10 minutes.</summary>
        public static TimeSpan Backoff(int attempts) => TimeSpan.FromSeconds(Math.Min(600, Math.Pow(2, attempts)));

        [LoggerMessage(Level = LogLevel.Warning, Message = "Mail {MessageId} failed (attempt {Attempts}): {Error}")]
        private partial void LogFailed(string messageId, int attempts, string error);

        [LoggerMessage(Level = LogLevel.Warning, Message = "The outcome of mail {MessageId} waits for the database to record it ({Reason})")]
        private partial void LogRecordWaits(string messageId, string reason);

        [LoggerMessage(Level = LogLevel.Information, Message = "The outcome of mail {MessageId} was recorded after {Seconds:F1} s")]
        private partial void LogRecorded(string messageId, double seconds);
    }
}

/// <summary>Sends one mail that the drain gave up on; throws on failure so Hangfire retries it and shows it.</summary>
public static class DeliverMail
{
    public sealed record Command(long Id) : IRequest<bool>;

    public sealed class Handler(JointOpsDbContext db, IMailSender sender, TimeProvider time) : IRequestHandler<Command, bool>
    {
        public async Task<bool> Handle(Command command, CancellationToken cancellationToken)
        {
            var message = await db.Outbox.FirstOrDefaultAsync(m => m.Id == command.Id, cancellationToken);
            if (message is null || message.State == OutboxState.Sent)
            {
                return false;
            }

            try
            {
                await sender.SendAsync(message, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                DrainOutbox.RecordFailure(message, e);
                await db.SaveChangesAsync(cancellationToken);
                throw;
            }

            message.State = OutboxState.Sent;
            message.SentAt = time.GetUtcNow();
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
    }
}
