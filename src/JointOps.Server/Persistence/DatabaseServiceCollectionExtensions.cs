using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace JointOps.Server.Persistence;

public static class DatabaseServiceCollectionExtensions
{
    /// <summary>PostgreSQL when Database:Provider is Postgres, else the embedded SQLite file.</summary>
    public static IServiceCollection AddDatabase(this IServiceCollection services, IConfiguration configuration)
    {
        var provider = configuration["Database:Provider"] ?? "Sqlite";
        if (provider.Equals("Postgres", StringComparison.OrdinalIgnoreCase))
        {
            var connectionString = configuration.GetConnectionString("Postgres")
                ?? throw new InvalidOperationException("Database:Provider is Postgres but ConnectionStrings:Postgres is not set.");
            services.AddSingleton(_ =>
            {
                var builder = new NpgsqlDataSourceBuilder(connectionString);

                // Prepared statements halve PostgreSQL's CPU per decision (docs/benchmarks.md); a connection string may say otherwise.
                if (builder.ConnectionStringBuilder.MaxAutoPrepare == 0)
                {
                    builder.ConnectionStringBuilder.MaxAutoPrepare = 64;
                }

                // Nothing here keeps session state (the startup lock is a transaction's), so a pooled connection needs no
                // reset: that reset was seven statements on every open, as many as a decision's own writes.
                builder.ConnectionStringBuilder.NoResetOnClose = true;

                // JIT compiling a search's count took longer than running it (docs/benchmarks.md): short OLTP statements only here.
                if (string.IsNullOrEmpty(builder.ConnectionStringBuilder.Options))
                {
                    builder.ConnectionStringBuilder.Options = "-c jit=off";
                }

                return builder.Build();
            });
            // Pooled: setting up a fresh context's internal services was a tenth of a decision's CPU (docs/benchmarks.md).
            services.AddDbContextPool<PostgresDbContext>((sp, options) => options.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));
            services.AddScoped<JointOpsDbContext>(sp => sp.GetRequiredService<PostgresDbContext>());
        }
        else if (provider.Equals("Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            var connectionString = configuration.GetConnectionString("Sqlite") ?? "Data Source=jointops.db";
            services.AddDbContextPool<SqliteDbContext>(options => options.UseSqlite(connectionString));
            services.AddScoped<JointOpsDbContext>(sp => sp.GetRequiredService<SqliteDbContext>());
        }
        else
        {
            throw new InvalidOperationException($"Unknown Database:Provider '{provider}'; use Sqlite or Postgres.");
        }

        return services;
    }
}
