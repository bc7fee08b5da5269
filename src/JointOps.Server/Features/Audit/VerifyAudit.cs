using System.Globalization;
using JointOps.Server.Audit;

namespace JointOps.Server.Features.Audit;

/// <summary>Verifies every audit chain: <c>GET /api/audit/verification</c> for Admins, or <c>JointOps.Server verify-audit</c>.</summary>
public static class VerifyAudit
{
    public const string CommandName = "verify-audit";

    public static void Map(IEndpointRouteBuilder app) =>
        app.MapGet("/api/audit/verification", (AuditVerification verification, CancellationToken ct) => verification.VerifyAllAsync(ct))
            .RequireAuthorization("Admin")
            .WithTags("Audit")
            .WithSummary("Verifies every audit chain against its anchor; lists the chains that are broken and where.");

    /// <summary>Prints the report; the exit code is 0 when every chain verifies, 1 when one does not.</summary>
    public static async Task<int> RunAsync(IServiceProvider services, TextWriter output, CancellationToken cancellationToken = default)
    {
        await using var scope = services.CreateAsyncScope();
        var report = await scope.ServiceProvider.GetRequiredService<AuditVerification>().VerifyAllAsync(cancellationToken);
        foreach (var chain in report.Broken)
        {
            await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"BROKEN {chain.Stream}{(chain.AtSequence is { } at ? $" at entry {at}" : "")}: {chain.Reason}"));
        }

        await output.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"{report.Chains} chains, {report.Entries} entries: {(report.Verified ? "all verify" : $"{report.Broken.Count} broken")}."));
        return report.Verified ? 0 : 1;
    }
}
