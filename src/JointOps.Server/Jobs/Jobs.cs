using Hangfire;
using Hangfire.Server;
using JointOps.Server.Features.Deadlines;
using JointOps.Server.Features.Mail;
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
    public void Execute(BackgroundProcessContext context)
    {
        try
        {
            SweepAsync(context.StoppingToken).GetAwaiter().GetResult();
        }
        catch (Exception e) when (!context.StoppingToken.IsCancellationRequested)
        {
            // The database may be away for a moment; the next sweep tries again.
            LogSweepFailed(e);
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
        }
        catch (Exception e) when (!context.StoppingToken.IsCancellationRequested)
        {
            LogDrainFailed(e);
        }

        context.Wait(options.Value.SweepInterval);
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "The outbox drain failed; it runs again at the next interval.")]
    private partial void LogDrainFailed(Exception exception);
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
