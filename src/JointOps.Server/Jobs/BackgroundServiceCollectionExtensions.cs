using Hangfire;
using Hangfire.AspNetCore;
using Hangfire.InMemory;
using Hangfire.PostgreSql;
using Hangfire.Server;
using Microsoft.EntityFrameworkCore;
using JointOps.Engine.Calendars;
using JointOps.Server.Features.Deadlines;
using Npgsql;

namespace JointOps.Server.Jobs;

public static class BackgroundServiceCollectionExtensions
{
    /// <summary>
    /// Hangfire runs the machinery: the deadline process on every server, mail retries and the daily digests.
    /// On PostgreSQL its storage shares the server's data source; on the SQLite default it runs in memory
    /// (nothing of record lives in Hangfire: timers and mails are rows of JointOps's own tables).
    /// </summary>
    public static IServiceCollection AddBackgroundMachinery(this IServiceCollection services, IConfiguration configuration)
    {
        services.Configure<DeadlineOptions>(configuration.GetSection("Deadlines"));

        // Registered before AddHangfire, which would otherwise take the process-wide JobStorage.Current and JobActivator.Current.
        services.AddSingleton<JobStorage>(sp => sp.GetService<NpgsqlDataSource>() is { } dataSource
            ? new PostgreSqlStorage(new DataSourceConnectionFactory(dataSource), new PostgreSqlStorageOptions
            {
                SchemaName = "hangfire",
                QueuePollInterval = TimeSpan.FromSeconds(1),
                PrepareSchemaIfNecessary = true,
            })
            : new InMemoryStorage());
        services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddHangfire((sp, config) => config
            .UseLogProvider(new HangfireLogProvider(sp.GetRequiredService<ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        services.AddSingleton<IBackgroundProcess, DeadlineProcess>();
        services.AddSingleton<IBackgroundProcess, OutboxProcess>();
        services.AddHangfireServer(options =>
        {
            options.WorkerCount = 2;
            options.SchedulePollingInterval = TimeSpan.FromSeconds(1);
        });
        services.AddScoped<MailDeliveryJob>();
        services.AddScoped<DigestJob>();
        return services;
    }

    /// <summary>
    /// Mails handed to Hangfire's retries are gone with a restart when Hangfire keeps its jobs in memory (the SQLite
    /// default): hand them back to the drain. On PostgreSQL Hangfire's own storage keeps the retries.
    /// </summary>
    public static async Task ResumeFailingMailAsync(IServiceProvider services)
    {
        if (services.GetRequiredService<JobStorage>() is not InMemoryStorage)
        {
            return;
        }

        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Persistence.JointOpsDbContext>();
        await db.Outbox.Where(m => m.State == Persistence.OutboxState.Failing)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.State, Persistence.OutboxState.Pending).SetProperty(m => m.Attempts, 0));
    }

    /// <summary>The daily digests, at 08:00 in each country.</summary>
    public static void ScheduleDigests(IServiceProvider services)
    {
        var jobs = services.GetRequiredService<IRecurringJobManager>();
        var calendars = services.GetRequiredService<CalendarSet>();
        foreach (var country in new[] { "KR", "KH" })
        {
            jobs.AddOrUpdate<DigestJob>($"digest-{country}", job => job.SendAsync(country, CancellationToken.None), "0 8 * * *",
                new RecurringJobOptions { TimeZone = calendars[country].Zone });
        }
    }

    /// <summary>Hangfire's connections come from the server's data source, so they can share its transactions.</summary>
    private sealed class DataSourceConnectionFactory(NpgsqlDataSource dataSource) : IConnectionFactory
    {
        public NpgsqlConnection GetOrCreateConnection() => dataSource.CreateConnection();
    }
}
