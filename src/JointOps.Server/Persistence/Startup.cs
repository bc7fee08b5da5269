using JointOps.Engine.Definitions;
using JointOps.Server.Development;
using JointOps.Server.Workflows;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace JointOps.Server.Persistence;

public static class Startup
{
    /// <summary>Brings the database to the current schema, installs the shipped workflows and the roles, and seeds Development.</summary>
    public static async Task PrepareAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        var db = provider.GetRequiredService<JointOpsDbContext>();

        // Servers starting at once on one database would migrate, install and seed side by side and collide:
        // one prepares while the others wait, then they find it done. Disposing the transaction releases the lock.
        await using var lockConnection = provider.GetService<NpgsqlDataSource>() is { } dataSource ? await dataSource.OpenConnectionAsync(cancellationToken) : null;
        await using var startupLock = lockConnection is null ? null : await HoldStartupLockAsync(lockConnection, cancellationToken);
        if (db.Database.IsSqlite())
        {
            // WAL lets readers go on while one writer commits.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        await db.Database.MigrateAsync(cancellationToken);

        // The first server makes the key every server then shares; under the lock, so two starting at once make one.
        _ = provider.GetRequiredService<IDataProtectionProvider>().CreateProtector("JointOps.Startup").Protect([0]);

        var options = provider.GetRequiredService<IOptions<WorkflowOptions>>().Value;
        var folder = Path.IsPathRooted(options.Path) ? options.Path : Path.Combine(AppContext.BaseDirectory, options.Path);
        await provider.GetRequiredService<WorkflowCatalog>().InstallShippedAsync(db, folder, provider.GetRequiredService<TimeProvider>(), cancellationToken);

        var roles = provider.GetRequiredService<RoleManager<IdentityRole>>();
        foreach (var role in Vocabulary.Roles)
        {
            if (!await roles.RoleExistsAsync(role))
            {
                await roles.CreateAsync(new IdentityRole(role));
            }
        }

        if (provider.GetRequiredService<IHostEnvironment>().IsDevelopment())
        {
            await DevelopmentSeed.RunAsync(provider);
        }
    }

    /// <summary>A transaction holding the database-wide startup lock until it ends.</summary>
    private static async Task<NpgsqlTransaction> HoldStartupLockAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // No command timeout: wait for as long as the other server prepares (its crash ends its transaction, and the wait).
        await using var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('jointops:startup'))", connection, transaction) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync(cancellationToken);
        return transaction;
    }
}
