using System.Globalization;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;

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
                    if (await CanConnectAsync(db, ct))
                    {
                        return Results.Ok(new { status = "healthy", database = "reachable" });
                    }

                    http.Response.Headers.RetryAfter = ProblemExceptionHandler.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
                    return Results.Json(new { status = "unhealthy", database = "unreachable" }, statusCode: StatusCodes.Status503ServiceUnavailable);
                })
            .AllowAnonymous()
            .WithTags("Health")
            .WithSummary("200 when the database answers within 2 s, else 503 with Retry-After.");

    private static async Task<bool> CanConnectAsync(JointOpsDbContext db, CancellationToken cancellationToken)
    {
        using var budget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        budget.CancelAfter(DatabaseBudget);
        try
        {
            return await db.Database.CanConnectAsync(budget.Token);
        }
        catch (Exception e) when ((e is OperationCanceledException && !cancellationToken.IsCancellationRequested) || DatabaseUnavailable.Is(e))
        {
            return false;
        }
    }
}
