using System.Diagnostics;
using System.Globalization;

namespace JointOps.Deadlines.Bench;

/// <summary>CPU seconds used by the server, PostgreSQL and this process, from /proc (Linux), between two snapshots.</summary>
public sealed class CpuMeter(int serverPid, int? postmasterPid)
{
    private const double TicksPerSecond = 100; // getconf CLK_TCK on Linux

    public sealed record Snapshot(double At, double Server, double Postgres, double Bench, double MachineBusy);

    public sealed record Usage(double Seconds, double ServerCores, double PostgresCores, double BenchCores, double MachineCores)
    {
        /// <summary>Everything else on the machine (other people's builds and tests, the kernel's own threads).</summary>
        public double OtherCores => Math.Max(0, MachineCores - ServerCores - PostgresCores - BenchCores);

        public override string ToString() => string.Create(CultureInfo.InvariantCulture,
            $"server {ServerCores:0.00}, PostgreSQL {PostgresCores:0.00}, bench {BenchCores:0.00}, other {OtherCores:0.00}; machine {MachineCores:0.00} of {Environment.ProcessorCount} cores");

        /// <summary>CPU milliseconds per operation at <paramref name="rate"/> a second: what a ratio to pgbench is made of.</summary>
        public string PerOperation(double rate, string operation)
        {
            string Ms(double cores) => (1000 * cores / rate).ToString("0.000", CultureInfo.InvariantCulture);
            return $"CPU per {operation}: server {Ms(ServerCores)}, PostgreSQL {Ms(PostgresCores)}, bench {Ms(BenchCores)}, other {Ms(OtherCores)} ms";
        }
    }

    /// <summary>Waits (up to <paramref name="limit"/>) until the rest of the machine uses under a fifth of a core for 5 s, so figures are not another job's.</summary>
    public async Task<double> WaitForQuietAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        double busy;
        var said = false;
        do
        {
            var a = Take();
            await Task.Delay(TimeSpan.FromSeconds(5));
            busy = Between(a, Take()).OtherCores;
            if (busy > 0.2 && !said)
            {
                Report.Say(string.Create(CultureInfo.InvariantCulture, $"other processes use {busy:0.00} cores: waiting up to {limit.TotalSeconds:0} s for quiet"));
                said = true;
            }
        }
        while (busy > 0.2 && DateTime.UtcNow < deadline);
        return busy;
    }

    public Snapshot Take() => new(
        Stopwatch.GetTimestamp() / (double)Stopwatch.Frequency,
        ProcessSeconds(serverPid, withChildren: false),
        PostgresSeconds(),
        Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds,
        MachineBusySeconds());

    public static Usage Between(Snapshot a, Snapshot b)
    {
        var seconds = Math.Max(b.At - a.At, 1e-9);
        return new Usage(seconds, (b.Server - a.Server) / seconds, (b.Postgres - a.Postgres) / seconds,
            (b.Bench - a.Bench) / seconds, (b.MachineBusy - a.MachineBusy) / seconds);
    }

    // The postmaster's own time, its finished children's (cutime, cstime) and its live children's.
    private double PostgresSeconds()
    {
        if (postmasterPid is not { } postmaster)
        {
            return 0;
        }

        var total = ProcessSeconds(postmaster, withChildren: true);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                && pid != postmaster && ReadStat(pid) is { } fields && fields[1] == postmaster.ToString(CultureInfo.InvariantCulture))
            {
                total += (Ticks(fields[11]) + Ticks(fields[12])) / TicksPerSecond;
            }
        }

        return total;
    }

    private static double ProcessSeconds(int pid, bool withChildren)
    {
        if (ReadStat(pid) is not { } fields)
        {
            return 0;
        }

        var ticks = Ticks(fields[11]) + Ticks(fields[12]);
        if (withChildren)
        {
            ticks += Ticks(fields[13]) + Ticks(fields[14]);
        }

        return ticks / TicksPerSecond;
    }

    // Fields after the command name: [0] state, [1] ppid, ... [11] utime, [12] stime, [13] cutime, [14] cstime.
    private static string[]? ReadStat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            return text[(text.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static double MachineBusySeconds()
    {
        // cpu user nice system idle iowait irq softirq steal ...: busy is all but idle and iowait.
        var line = File.ReadLines("/proc/stat").First();
        var values = line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Take(8).Select(Ticks).ToArray();
        var busy = values.Sum() - values[3] - values[4];
        return busy / TicksPerSecond;
    }

    private static long Ticks(string value) => long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
}
