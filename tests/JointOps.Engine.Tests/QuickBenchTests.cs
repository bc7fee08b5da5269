using JointOps.Bench;

namespace JointOps.Engine.Tests;

/// <summary>Runs bench/JointOps.Bench's quick mode once so the benchmarks keep compiling and running; the figures are not judged here.</summary>
public sealed class QuickBenchTests
{
    [Fact]
    public void Quick_bench_runs_every_benchmark_and_prints_its_figures()
    {
        using var output = new StringWriter();

        var rows = QuickRun.Run(output, warm: false);

        Assert.Equal(Goal.All.Select(g => g.Benchmark), rows.Select(r => r.Benchmark));
        Assert.All(rows, row => Assert.True(row.Mean > 0, $"{row.Benchmark} has no time."));
        var printed = output.ToString();
        Assert.All(rows, row => Assert.Contains($"| {row.Benchmark} ", printed, StringComparison.Ordinal));
        Assert.Contains(" µs ", printed, StringComparison.Ordinal);
    }
}
