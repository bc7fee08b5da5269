using System.Globalization;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace JointOps.Server.Features.Health;

public static class HealthEndpoints
{
    /// <summary>
    /// How long /health waits for the database: a load balancer asking must learn of an outage at once, not after a
    /// connect timeout (15 s by default), and must not pile up waiting checks.
    /// </summary>
    public static readonly TimeSpan DatabaseBudget = TimeSpan.FromSeconds(2);

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/health", async (JointOpsDbContext db, HttpContext http, CancellationToken ct) =>
                {
                    if (await AnswersAsync(http.RequestServices.GetService<NpgsqlDataSource>(), db, ct))
                    {
                        return Results.Ok(new { status = "healthy", database = "reachable" });
                    }

                    http.Response.Headers.RetryAfter = ProblemExceptionHandler.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                    return Results.Json(new { status = "unhealthy", database = "unreachable" }, statusCode: StatusCodes.Status503ServiceUnavailable);
                })
            .AllowAnonymous()
            .WithTags("Health")
            .WithSummary("200 when the database answers within 2 s, else 503 with Retry-After.");

    /// <summary>
    /// A round trip, not just a connection: a pooled connection opens without a word to the server, so only a query
    /// shows a database that has stopped answering. Not waited for beyond the budget: Npgsql's own cancellation of a
    /// query waits on the server it cancels, which is the very thing that may hang. Any failure is "unreachable".
    /// </summary>
    private static async Task<bool> AnswersAsync(NpgsqlDataSource? dataSource, JointOpsDbContext db, CancellationToken cancellationToken)
    {
        var probe = ProbeAsync(dataSource, db);
        return await Task.WhenAny(probe, Task.Delay(DatabaseBudget, cancellationToken)) == probe && await probe;
    }

    private static async Task<bool> ProbeAsync(NpgsqlDataSource? dataSource, JointOpsDbContext db)
    {
        try
        {
            if (dataSource is null)
            {
                await db.Database.ExecuteSqlRawAsync("SELECT 1");
                return true;
            }

            // Its own connection, not the request's context: a probe left behind must not outlive what it uses.
            await using var connection = await dataSource.OpenConnectionAsync();
            await using var command = new NpgsqlCommand("SELECT 1", connection) { CommandTimeout = 5 };
            await command.ExecuteScalarAsync();
            return true;
        }
        catch (Exception)
        {
            return false;
        }
    }
}
