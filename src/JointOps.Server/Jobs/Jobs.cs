using System.Diagnostics;
using Hangfire;
using Hangfire.Server;
using JointOps.Server.Features.Deadlines;
using JointOps.Server.Features.Mail;
using JointOps.Server.Infrastructure;
using MediatR;
using Microsoft.Extensions.Options;

namespace JointOps.Server.Jobs;

/// <summary>
/// Runs on every server inside Hangfire's processing server: fires due timers, then drains the outbox, every
/// SweepInterval. The database is the only source of truth, so any number of servers may run it side by side.
/// </summary>
public sealed partial class DeadlineProcess(IServiceScopeFactory scopes, IOptions<DeadlineOptions> options, ILogger<DeadlineProcess> logger)
    : IBackgroundProcess
{
    private readonly DatabaseOutage _outage = new(logger, "deadline sweep");

    public void Execute(BackgroundProcessContext context)
    {
        try
        {
            SweepAsync(context.StoppingToken).GetAwaiter().GetResult();
            _outage.Ended();
        }
        catch (Exception e) when (!context.StoppingToken.IsCancellationRequested)
        {
            // The database may be away for a moment; the next sweep tries again.
            if (!_outage.Began(e))
            {
                LogSweepFailed(e);
            }
        }

        context.Wait(options.Value.SweepInterval);
    }

    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        int fired;
        do
        {
            await using var scope = scopes.CreateAsyncScope();
            var result = await scope.ServiceProvider.GetRequiredService<IMediator>().Send(new FireDueTimers.Command(), cancellationToken);
            fired = result.Value;
        }
        while (fired >= options.Value.TimerBatchSize && !cancellationToken.IsCancellationRequested);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The deadline sweep failed; it runs again at the next interval.")]
    private partial void LogSweepFailed(Exception exception);
}

/// <summary>Drains the outbox in its own loop, so slow mail never holds back the timers.</summary>
public sealed partial class OutboxProcess(IServiceScopeFactory scopes, IOptions<DeadlineOptions> options, ILogger<OutboxProcess> logger)
    : IBackgroundProcess
{
    private readonly DatabaseOutage _outage = new(logger, "outbox drain");

    public void Execute(BackgroundProcessContext context)
    {
        try
        {
            int sent;
            do
            {
                using var scope = scopes.CreateScope();
                sent = scope.ServiceProvider.GetRequiredService<IMediator>().Send(new DrainOutbox.Command(), context.StoppingToken).GetAwaiter().GetResult();
            }
            while (sent >= options.Value.MailBatchSize && !context.StoppingToken.IsCancellationRequested);
            _outage.Ended();
        }
        catch (Exception e) when (!context.StoppingToken.IsCancellationRequested)
        {
            if (!_outage.Began(e))
            {
                LogDrainFailed(e);
            }
        }

        context.Wait(options.Value.SweepInterval);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The outbox drain failed; it runs again at the next interval.")]
    private partial void LogDrainFailed(Exception exception);
}

/// <summary>
/// A background loop's view of a database outage: one warning when it begins and one line when it ends, rather than an
/// error with a stack trace at every turn of the loop while the database is away.
/// </summary>
public sealed partial class DatabaseOutage(ILogger logger, string loop)
{
    private long? _since;

    /// <summary>True when <paramref name="exception"/> says the database is away (logged once per outage).</summary>
    public bool Began(Exception exception)
    {
        if (!DatabaseUnavailable.Is(exception))
        {
            return false;
        }

        if (_since is null)
        {
            _since = Stopwatch.GetTimestamp();
            LogAway(loop, DatabaseUnavailable.Describe(exception));
        }

        return true;
    }

    public void Ended()
    {
        if (_since is { } since)
        {
            _since = null;
            var away = Stopwatch.GetElapsedTime(since);
            LogBack(loop, away.TotalSeconds);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The {Loop} cannot reach the database ({Reason}); it tries again at each interval.")]
    private partial void LogAway(string loop, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "The {Loop} reaches the database again after {Seconds:F1} s.")]
    private partial void LogBack(string loop, double seconds);
}

/// <summary>A mail the drain gave up on, retried by Hangfire (visible in its dashboard until it goes).</summary>
public sealed class MailDeliveryJob(IMediator mediator)
{
    [AutomaticRetry(Attempts = 20)]
    public Task DeliverAsync(long outboxId, CancellationToken cancellationToken) => mediator.Send(new DeliverMail.Command(outboxId), cancellationToken);
}

/// <summary>The daily digest for one country's users, at 08:00 in that country.</summary>
public sealed class DigestJob(IMediator mediator)
{
    public Task SendAsync(string country, CancellationToken cancellationToken) => mediator.Send(new SendDigests.Command(country), cancellationToken);
}
