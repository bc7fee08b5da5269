using JointOps.Engine.Definitions;
using JointOps.Server.Development;
using JointOps.Server.Workflows;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace JointOps.Server.Persistence;

public static class Startup
{
    /// <summary>Brings the database to the current schema, installs the shipped workflows and the roles, and seeds Development.</summary>
    public static async Task PrepareAsync(IServiceProvider services, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var provider = scope.ServiceProvider;
        var db = provider.GetRequiredService<JointOpsDbContext>();
        if (db.Database.IsSqlite())
        {
            // WAL lets readers go on while one writer commits.
            await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", cancellationToken);
        }

        await db.Database.MigrateAsync(cancellationToken);

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
}
