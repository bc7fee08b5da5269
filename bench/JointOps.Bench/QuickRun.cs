using System.Diagnostics;
using System.Globalization;

namespace JointOps.Bench;

/// <summary>One benchmark's figures from the quick run: mean nanoseconds and bytes allocated per call.</summary>
public sealed record QuickRow(string Benchmark, double Mean, long Allocated, Goal Goal)
{
    public bool GoalMet => Goal.IsMet(Mean, Allocated);
}

/// <summary>
/// The benchmarks timed with a stopwatch for a few seconds in all, in this process: indicative only (no
/// BenchmarkDotNet statistics, and the JIT may not have reached its final tier), but enough to keep them running.
/// </summary>
public static class QuickRun
{
    private static readonly TimeSpan BatchTarget = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan WarmupTime = TimeSpan.FromMilliseconds(300);
    private const int Batches = 5;

    public static IReadOnlyList<QuickRow> Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var scenario = new Scenario();
        var cases = new (string Name, Func<object> Call)[]
        {
            ("Decide", () => scenario.Approve()),
            ("AllowedDecisions", scenario.AllowedDecisions),
            ("IsActorOf", () => scenario.IsActorOf()),
            ("LoadLarge", scenario.LoadLarge),
            ("LoadMutualAssistance", scenario.LoadMutualAssistance),
        };

        var rows = new List<QuickRow>();
        foreach (var (name, call) in cases)
        {
            var (mean, allocated) = Measure(call);
            rows.Add(new QuickRow(name, mean, allocated, Goal.All.Single(g => g.Benchmark == name)));
        }

        output.WriteLine("| benchmark            |        mean | allocated | goal                  | met |");
        output.WriteLine("|----------------------|------------:|----------:|-----------------------|-----|");
        foreach (var row in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Benchmark,-20} | {Time(row.Mean),11} | {Bytes(row.Allocated),9} | {GoalText(row.Goal),-21} | {(row.GoalMet ? "yes" : "no"),-3} |"));
        }

        output.WriteLine("Quick run: a stopwatch in one process, indicative only; run without --quick for BenchmarkDotNet's figures.");
        return rows;
    }

    private static (double Mean, long Allocated) Measure(Func<object> call)
    {
        // Long enough for the JIT to replace the first, unoptimised code of the hot methods.
        var warmup = Stopwatch.StartNew();
        while (warmup.Elapsed < WarmupTime)
        {
            Batch(call, 16);
        }

        // Grow the batch until it takes long enough for the stopwatch, which also warms the call up.
        var operations = 1;
        while (Batch(call, operations).Elapsed < BatchTarget && operations < 1 << 24)
        {
            operations *= 2;
        }

        var means = new List<double>(Batches);
        long bytes = 0;
        for (var b = 0; b < Batches; b++)
        {
            var (elapsed, allocated) = Batch(call, operations);
            means.Add(elapsed.TotalNanoseconds / operations);
            bytes += allocated;
        }

        means.Sort();
        return (means[Batches / 2], bytes / (Batches * (long)operations));
    }

    private static (TimeSpan Elapsed, long Allocated) Batch(Func<object> call, int operations)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < operations; i++)
        {
            GC.KeepAlive(call());
        }

        watch.Stop();
        return (watch.Elapsed, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static string Time(double nanoseconds) => nanoseconds >= 1_000_000
        ? string.Create(CultureInfo.InvariantCulture, $"{nanoseconds / 1_000_000:0.000} ms")
        : string.Create(CultureInfo.InvariantCulture, $"{nanoseconds / 1000:0.000} µs");

    private static string Bytes(long b) => b >= 10_000
        ? string.Create(CultureInfo.InvariantCulture, $"{b / 1024.0:0.0} KB")
        : string.Create(CultureInfo.InvariantCulture, $"{b} B");

    private static string GoalText(Goal goal) =>
        "< " + Time(goal.MaxMean.TotalNanoseconds) + (goal.MaxAllocated is { } max ? ", < " + Bytes(max) : "");
}
