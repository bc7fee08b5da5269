using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using JointOps.Deadlines.Bench;

namespace JointOps.Load;

/// <summary>What one step of a client did: the operation's name, and the error when it failed.</summary>
public readonly record struct Outcome(string Operation, string? Error = null)
{
    public static readonly Outcome Exhausted = new("", "exhausted");
}

/// <summary>Latencies of one operation over the measured window.</summary>
public sealed record OperationStats(string Operation, int Count, long Errors, double P50, double P95, double P99, string? FirstError)
{
    public string Latencies => string.Create(CultureInfo.InvariantCulture, $"p50 {P50:0.0} ms, p95 {P95:0.0} ms, p99 {P99:0.0} ms");
}

public sealed record LoadResult(int Clients, TimeSpan Duration, IReadOnlyDictionary<string, OperationStats> Operations, double PeakMb, bool Exhausted)
{
    public int Count => Operations.Values.Sum(o => o.Count);

    public long Errors => Operations.Values.Sum(o => o.Errors);

    public double Throughput(string? operation = null) =>
        (operation is null ? Count : Operations.TryGetValue(operation, out var o) ? o.Count : 0) / Duration.TotalSeconds;

    public string? FirstError => Operations.Values.Select(o => o.FirstError).FirstOrDefault(e => e is not null);
}

/// <summary>
/// Runs N clients, each a loop of steps, for a warm-up and then a measured window: a step counts when it started inside
/// the window (the run waits for the last ones to end). Meanwhile samples the server's resident memory (VmHWM, reset at the start of the window).
/// </summary>
public static class LoadRun
{
    public static async Task<LoadResult> RunAsync(int clients, TimeSpan warmup, TimeSpan duration, int memoryPid,
        Func<int, Func<Task<Outcome>>> client)
    {
        var clock = Stopwatch.StartNew();
        var from = warmup;
        var to = warmup + duration;
        var latencies = new ConcurrentDictionary<string, ConcurrentBag<double>>();
        var errors = new ConcurrentDictionary<string, long>();
        var firstErrors = new ConcurrentDictionary<string, string>();
        var exhausted = false;
        PeakMemory? memory = null;
        var measuring = Task.Run(async () =>
        {
            await Task.Delay(warmup);
            memory = PeakMemory.Start(memoryPid);
        });

        var steps = Enumerable.Range(0, clients).Select(client).ToArray();
        var workers = steps.Select(step => Task.Run(async () =>
        {
            while (clock.Elapsed < to)
            {
                var started = clock.Elapsed;
                Outcome outcome;
                try
                {
                    outcome = await step();
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException)
                {
                    outcome = new Outcome("exception", e.Message);
                }

                if (outcome == Outcome.Exhausted)
                {
                    exhausted = true;
                    return;
                }

                // Every step started inside the window counts, however long it took: leaving out the slow ones that end
                // after it would flatter the percentiles (and count nothing when every step is slower than the window).
                var ended = clock.Elapsed;
                if (started < from || started >= to)
                {
                    continue;
                }

                if (outcome.Error is null)
                {
                    latencies.GetOrAdd(outcome.Operation, _ => []).Add((ended - started).TotalMilliseconds);
                }
                else
                {
                    errors.AddOrUpdate(outcome.Operation, 1, (_, n) => n + 1);
                    firstErrors.TryAdd(outcome.Operation, outcome.Error);
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        await measuring;
        var peak = memory?.Stop() ?? double.NaN;

        var operations = latencies.Keys.Union(errors.Keys).ToDictionary(op => op, op =>
        {
            var sorted = latencies.TryGetValue(op, out var bag) ? bag.Order().ToList() : [];
            return new OperationStats(op, sorted.Count, errors.GetValueOrDefault(op), Report.Percentile(sorted, 0.50),
                Report.Percentile(sorted, 0.95), Report.Percentile(sorted, 0.99), firstErrors.GetValueOrDefault(op));
        });
        return new LoadResult(clients, duration, operations, peak, exhausted);
    }
}

/// <summary>
/// A process's peak resident memory over a window: VmHWM after resetting it (writing 5 to clear_refs, allowed for our
/// own children), with samples of VmRSS every 100 ms as the fallback when the reset is refused.
/// </summary>
public sealed class PeakMemory : IDisposable
{
    private readonly int _pid;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _sampling;
    private readonly bool _reset;
    private long _maxKb;

    private PeakMemory(int pid)
    {
        _pid = pid;
        try
        {
            File.WriteAllText($"/proc/{pid}/clear_refs", "5");
            _reset = true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            _reset = false;
        }

        _sampling = Task.Run(async () =>
        {
            while (!_stop.IsCancellationRequested)
            {
                var rss = Read("VmRSS");
                if (rss > Interlocked.Read(ref _maxKb))
                {
                    Interlocked.Exchange(ref _maxKb, rss);
                }

                try
                {
                    await Task.Delay(100, _stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });
    }

    public static PeakMemory Start(int pid) => new(pid);

    /// <summary>The peak in MB.</summary>
    public double Stop()
    {
        _stop.Cancel();
        _sampling.Wait();
        var hwm = _reset ? Read("VmHWM") : 0;
        Dispose();
        return Math.Max(hwm, Interlocked.Read(ref _maxKb)) / 1024.0;
    }

    public void Dispose() => _stop.Dispose();

    private long Read(string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{_pid}/status"))
            {
                if (line.StartsWith(field + ":", StringComparison.Ordinal))
                {
                    return long.Parse(line[(field.Length + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
            // The process is gone.
        }

        return 0;
    }
}
