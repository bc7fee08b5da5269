using System.Diagnostics;
using System.Net;
using System.Text.Json;
using JointOps.Server.Tests.Infrastructure;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Audit;

/// <summary>
/// Every chain verifies against its anchor, so someone with database access cannot change, delete (even the newest)
/// or reorder entries unnoticed: the request's history says so, and so do the Admin endpoint and the command.
/// </summary>
public abstract class AuditVerificationTests(AppFixture app)
{
    private readonly Scenario _scenario = new(app);

    [Fact]
    public async Task Deleting_the_newest_entries_of_a_chain_is_caught()
    {
        var (id, reference) = await RequestWithHistoryAsync();

        // The newest two entries (the transmission and the acknowledgement) go, leaving a chain that links up.
        await app.ExecuteSqlAsync($"""DELETE FROM "AuditEntries" WHERE "Stream" = '{reference}' AND "Sequence" >= 4""");

        var history = await HistoryAsync(id);
        Assert.False(history.GetProperty("verified").GetBoolean());
        Assert.Equal(4, history.Number("brokenAtSequence"));
        Assert.Contains("missing", history.Str("problem"), StringComparison.Ordinal);
        Assert.Contains(await BrokenChainsAsync(), chain => chain.Str("stream") == reference);
    }

    [Fact]
    public async Task Reordered_entries_are_caught()
    {
        var (id, reference) = await RequestWithHistoryAsync();

        // Swap the submission and the supervisor's approval, keeping every row otherwise intact.
        await app.ExecuteSqlAsync($"""
            UPDATE "AuditEntries" SET "Sequence" = -2 WHERE "Stream" = '{reference}' AND "Sequence" = 2;
            UPDATE "AuditEntries" SET "Sequence" = 2 WHERE "Stream" = '{reference}' AND "Sequence" = 3;
            UPDATE "AuditEntries" SET "Sequence" = 3 WHERE "Stream" = '{reference}' AND "Sequence" = -2;
            """);

        var history = await HistoryAsync(id);
        Assert.False(history.GetProperty("verified").GetBoolean());
        Assert.Equal(2, history.Number("brokenAtSequence"));
        Assert.Contains(await BrokenChainsAsync(), chain => chain.Str("stream") == reference);
    }

    [Fact]
    public async Task A_changed_comment_is_caught_by_the_verification_of_all_chains()
    {
        var (_, reference) = await RequestWithHistoryAsync();
        Assert.DoesNotContain(await BrokenChainsAsync(), chain => chain.Str("stream") == reference);

        await app.ExecuteSqlAsync($"""UPDATE "AuditEntries" SET "Comment" = 'Approved without reservations.' WHERE "Stream" = '{reference}' AND "Sequence" = 3""");

        var broken = Assert.Single(await BrokenChainsAsync(), chain => chain.Str("stream") == reference);
        Assert.Equal(3, broken.Number("atSequence"));
    }

    [Fact]
    public async Task Only_admins_verify_all_chains()
    {
        foreach (var user in new[] { OfficerKr, ApproverKh, AuditorKr })
        {
            var (status, _) = await (await app.AsAsync(user)).GetJsonAsync("/api/audit/verification");
            Assert.Equal(HttpStatusCode.Forbidden, status);
        }
    }

    [Fact]
    public async Task The_verify_audit_command_exits_with_1_and_names_the_broken_chain()
    {
        var (_, reference) = await RequestWithHistoryAsync();
        await app.ExecuteSqlAsync($"""DELETE FROM "AuditEntries" WHERE "Stream" = '{reference}' AND "Sequence" = 5""");

        var (exitCode, output) = await RunCommandAsync("verify-audit");

        Assert.Equal(1, exitCode);
        Assert.Contains($"BROKEN {reference} at entry 5", output, StringComparison.Ordinal);
        Assert.Contains(" chains, ", output, StringComparison.Ordinal);
    }

    /// <summary>A request with five entries: created, submitted, approved twice (the second transmits it), acknowledged.</summary>
    private async Task<(string Id, string Reference)> RequestWithHistoryAsync()
    {
        var id = await _scenario.RequestAtAsync("receiving-decision");
        var history = await HistoryAsync(id);
        Assert.True(history.GetProperty("verified").GetBoolean(), history.ToString());
        Assert.Equal(5, history.GetProperty("entries").GetArrayLength());
        return (id, history.Str("reference"));
    }

    private async Task<JsonElement> HistoryAsync(string id)
    {
        var (status, history) = await (await app.AsAsync(AuditorKr)).GetJsonAsync($"/api/requests/{id}/history");
        Assert.Equal(HttpStatusCode.OK, status);
        return history;
    }

    private async Task<JsonElement[]> BrokenChainsAsync()
    {
        var (status, report) = await (await app.AsAsync(AdminKr)).GetJsonAsync("/api/audit/verification");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.True(report.Number("chains") > 0);
        return [.. report.GetProperty("broken").EnumerateArray()];
    }

    // The command runs as operators run it: the server's own executable against the same database.
    private async Task<(int ExitCode, string Output)> RunCommandAsync(string command)
    {
        var start = new ProcessStartInfo("dotnet", [Path.Combine(ServerProcess.ServerDirectory, "JointOps.Server.dll"), command])
        {
            WorkingDirectory = ServerProcess.ServerDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["Database__Provider"] = app.Provider;
        start.Environment[$"ConnectionStrings__{app.Provider}"] = app.ConnectionString;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output + await errors);
    }
}

public sealed class AuditVerificationOnPostgres(PostgresFixture app) : AuditVerificationTests(app), IClassFixture<PostgresFixture>;

public sealed class AuditVerificationOnSqlite(SqliteFixture app) : AuditVerificationTests(app), IClassFixture<SqliteFixture>;
