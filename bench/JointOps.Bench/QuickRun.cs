using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace JointOps.Bench;

/// <summary>One benchmark's figures from the quick run: mean nanoseconds and bytes allocated per call.</summary>
public sealed record QuickRow(string Benchmark, double Mean, long Allocated, Goal Goal)
{
    public bool GoalMet => Goal.IsMet(Mean, Allocated);
}

/// <summary>
/// The benchmarks timed for a few seconds in all, in this process: indicative only (no BenchmarkDotNet statistics),
/// but enough to keep them running. On Linux the time is the benchmark thread's CPU time, which other processes on a
/// shared machine inflate far less than elapsed time; elsewhere it is a stopwatch.
/// </summary>
public static class QuickRun
{
    private static readonly TimeSpan BatchTarget = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan WarmupTime = TimeSpan.FromMilliseconds(500);
    private const int WarmupCalls = 50;
    private const int Batches = 5;

    /// <param name="output">Where the table goes.</param>
    /// <param name="warm">False to skip the warm-up, when only running matters (a test): the figures are then the JIT's first tier.</param>
    public static IReadOnlyList<QuickRow> Run(TextWriter output, bool warm = true)
    {
        ArgumentNullException.ThrowIfNull(output);
        var scenario = new Scenario();
        // Each call returns a reference, so no boxing adds to the bytes counted.
        object yes = true, no = false;
        var cases = new (string Name, Func<object?> Call)[]
        {
            ("Decide", () => scenario.Approve().Transition),
            ("AllowedDecisions", scenario.AllowedDecisions),
            ("IsActorOf", () => scenario.IsActorOf() ? yes : no),
            ("LoadLarge", scenario.LoadLarge),
            ("LoadMutualAssistance", scenario.LoadMutualAssistance),
        };

        var rows = new List<QuickRow>();
        foreach (var (name, call) in cases)
        {
            var (mean, allocated) = Measure(call, warm);
            rows.Add(new QuickRow(name, mean, allocated, Goal.All.Single(g => g.Benchmark == name)));
        }

        output.WriteLine("| benchmark            |        mean | allocated | goal                  | met |");
        output.WriteLine("|----------------------|------------:|----------:|-----------------------|-----|");
        foreach (var row in rows)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {row.Benchmark,-20} | {Time(row.Mean),11} | {Bytes(row.Allocated),9} | {GoalText(row.Goal),-21} | {(row.GoalMet ? "yes" : "no"),-3} |"));
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"LoadLarge: {LargeDefinition.Steps} steps, {scenario.LargeJson.Length / 1024} KB of JSON. Quick run, {(ThreadCpu.Available ? "thread CPU time" : "stopwatch")}: indicative only; run without --quick for BenchmarkDotNet's figures."));
        return rows;
    }

    private static (double Mean, long Allocated) Measure(Func<object?> call, bool warm)
    {
        // Long enough, in calls and in time, for the JIT to replace the first, unoptimised code of the hot methods:
        // it compiles in the background after a delay, later still on a busy machine.
        var warmup = Stopwatch.StartNew();
        for (var calls = 0; warm && (calls < WarmupCalls || warmup.Elapsed < WarmupTime); calls++)
        {
            GC.KeepAlive(call());
        }

        // Grow the batch until it takes long enough for the clock; unwarmed figures are not worth that time.
        var (target, batches) = warm ? (BatchTarget, Batches) : (TimeSpan.FromMilliseconds(1), 1);
        var operations = 1;
        while (Batch(call, operations).Elapsed < target && operations < 1 << 24)
        {
            operations *= 2;
        }

        var means = new List<double>(batches);
        long bytes = 0;
        for (var b = 0; b < batches; b++)
        {
            var (elapsed, allocated) = Batch(call, operations);
            means.Add(elapsed.TotalNanoseconds / operations);
            bytes += allocated;
        }

        // The fastest batch: what other processes and late compilation add is never negative.
        return (means.Min(), bytes / (batches * (long)operations));
    }

    private static (TimeSpan Elapsed, long Allocated) Batch(Func<object?> call, int operations)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var start = ThreadCpu.Now();
        for (var i = 0; i < operations; i++)
        {
            GC.KeepAlive(call());
        }

        var elapsed = ThreadCpu.Now() - start;
        return (elapsed, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>The calling thread's CPU time (Linux's CLOCK_THREAD_CPUTIME_ID), or elapsed time where there is none.</summary>
    private static class ThreadCpu
    {
        private const int ClockThreadCpuTime = 3;

        public static bool Available { get; } = OperatingSystem.IsLinux() && Environment.Is64BitProcess && Read(out _);

        public static TimeSpan Now() => Available && Read(out var cpu) ? cpu : Stopwatch.GetElapsedTime(0);

        private static bool Read(out TimeSpan time)
        {
            time = default;
            if (ClockGetTime(ClockThreadCpuTime, out var spec) != 0)
            {
                return false;
            }

            time = TimeSpan.FromTicks((spec.Seconds * TimeSpan.TicksPerSecond) + (spec.Nanoseconds / 100));
            return true;
        }

        [StructLayout(LayoutKind.Sequential)]
        private struct TimeSpec
        {
            public long Seconds;
            public long Nanoseconds;
        }

        [DllImport("libc", EntryPoint = "clock_gettime")]
        [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
        private static extern int ClockGetTime(int clock, out TimeSpec time);
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
