using System.Diagnostics;
using JointOps.Load;
using JointOps.Server.Tests.Infrastructure;

namespace JointOps.Server.Tests.Bench;

/// <summary>
/// The benchmark suite in its quick mode, once, so it cannot rot unnoticed: it runs as its own process (as bench/run.sh
/// runs it) against the tests' PostgreSQL and the built server, and must print every row of its table without errors.
/// Its figures are not checked: a second and a half per run on a shared machine may even count no decision at all.
/// </summary>
public sealed class BenchSuiteTests
{
    [Fact]
    public async Task The_quick_suite_prints_every_row_without_errors()
    {
        var admin = await PostgresServer.GetAdminConnectionStringAsync();
        var outDir = Path.Combine(Path.GetTempPath(), $"jointops-bench-test-{Guid.NewGuid():N}");
        var startInfo = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            Path.Combine(AppContext.BaseDirectory, "JointOps.Load.dll"), "suite", "--quick", "--skip-firing",
            "--postgres", admin, "--server", Path.Combine(ServerProcess.ServerDirectory, "JointOps.Server.dll"), "--out", outDir,
        })
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        var text = await output + await error;
        Assert.True(process.ExitCode == 0, $"The suite exited with {process.ExitCode}:\n{text}");
        string[] expected =
        [
            "| pgbench floor tx/s, 1 client ", "| decisions/s over HTTP, 1 client ", "| pgbench floor tx/s, 4 clients ",
            "| decisions/s over HTTP, 4 clients ", "| submissions/s over HTTP, 4 clients ", "| mix over HTTP, 4 clients ",
            "| decisions/s in-process (MediatR), 4 clients ", "| check: seeded data served at 500 ", "| inbox (unit supervisor) at 500 ",
            "| search (central authority) at 500 ", "| request page (unit supervisor) at 500 ", "| decisions/s over HTTP, 4 clients, at 1,500 ",
            "| request page (central authority) at 1,500 ",
        ];
        foreach (var row in expected)
        {
            Assert.True(text.Contains(row, StringComparison.Ordinal), $"No row starting {row.Trim()}:\n{text}");
        }

        var table = text[text.IndexOf("| measure", StringComparison.Ordinal)..];
        Assert.DoesNotContain("FAILED", table, StringComparison.Ordinal);
        Assert.DoesNotContain("POOL EXHAUSTED", table, StringComparison.Ordinal);
        Assert.All(table.Split('\n').Where(l => l.Contains(" errors", StringComparison.Ordinal)),
            line => Assert.Contains("; 0 errors", line, StringComparison.Ordinal));
        Assert.True(File.Exists(Path.Combine(outDir, "explain.md")), "No plans written.");
        Assert.Contains("Execution Time", await File.ReadAllTextAsync(Path.Combine(outDir, "explain.md")), StringComparison.Ordinal);
        Directory.Delete(outDir, recursive: true);
    }

    [Fact]
    public void Sign_in_codes_follow_RFC_6238()
    {
        // RFC 6238 appendix B, SHA-1 key "12345678901234567890": 94287082 and 07081804, of which authenticators show the last six digits.
        const string Key = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";
        // The benchmarks' generator and the tests' own.
        Assert.Equal("287082", JointOps.Deadlines.Bench.Totp.Code(Key, DateTimeOffset.FromUnixTimeSeconds(59)));
        Assert.Equal("081804", JointOps.Deadlines.Bench.Totp.Code(Key, DateTimeOffset.FromUnixTimeSeconds(1111111109)));
        Assert.Equal("287082", Totp.Code(Key, DateTimeOffset.FromUnixTimeSeconds(59)));
        Assert.Equal("081804", Totp.Code(Key, DateTimeOffset.FromUnixTimeSeconds(1111111109)));
    }
}
