using JointOps.Server.Persistence;

namespace JointOps.Server.Features.Health;

public static class HealthEndpoints
{
    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/health", async (JointOpsDbContext db, CancellationToken ct) =>
                await db.Database.CanConnectAsync(ct)
                    ? Results.Ok(new { status = "healthy", database = "reachable" })
                    : Results.Json(new { status = "unhealthy", database = "unreachable" }, statusCode: StatusCodes.Status503ServiceUnavailable))
            .AllowAnonymous()
            .WithTags("Health")
            .WithSummary("Healthy when the database is reachable.");
}
