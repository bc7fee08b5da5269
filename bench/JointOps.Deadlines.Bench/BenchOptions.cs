using System.Globalization;

namespace JointOps.Deadlines.Bench;

/// <summary>Command-line options; <c>--quick</c> makes everything small enough to run in about a minute.</summary>
public sealed record BenchOptions
{
    public bool Quick { get; init; }

    /// <summary>Pending timers seeded for the firing run, one per in-progress request.</summary>
    public int Timers { get; init; } = 100_000;

    /// <summary>The timers fall due uniformly over this window ...</summary>
    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>... which starts this long after seeding began (so the seed has committed before the first is due).</summary>
    public TimeSpan Lead { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How long to wait for every timer to fire and every mail to go before giving up.</summary>
    public TimeSpan FiringTimeout { get; init; } = TimeSpan.FromMinutes(40);

    public IReadOnlyList<int> Clients { get; init; } = [1, 4, 16];

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Fresh requests seeded for the decision runs (each decision uses one up).</summary>
    public int DecisionPool { get; init; } = 60_000;

    public TimeSpan SweepInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Before each measurement, how long to wait for other processes (builds, tests) to leave the CPU alone.</summary>
    public TimeSpan QuietWait { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>"fast": the bench's own SMTP sink; "catcher": the server assembly's MailCatcher (parses every mail).</summary>
    public string Sink { get; init; } = "fast";

    public string? Server { get; init; }

    /// <summary>Appended to the server's connection string, to try settings (e.g. "Max Auto Prepare=32").</summary>
    public string? ServerConnectionOptions { get; init; }

    public string? Out { get; init; }

    public bool RunFiring { get; init; } = true;

    public bool RunDecisions { get; init; } = true;

    public static readonly string Usage = """
        JointOps.Deadlines.Bench [--quick] [--timers N] [--window S] [--lead S] [--firing-timeout S]
                                 [--clients 1,4,16] [--warmup S] [--duration S] [--pool N] [--sweep-interval S] [--quiet-wait S]
                                 [--only firing|decisions] [--sink fast|catcher]
                                 [--server PATH/JointOps.Server.dll] [--server-connection-options "Key=Value;..."] [--out DIR]
          PostgreSQL: JOINTOPS_BENCH_POSTGRES (an Npgsql connection string, role with CREATEDB), else a throwaway cluster.
        """;

    public static BenchOptions Parse(string[] args)
    {
        var options = args.Contains("--quick")
            ? new BenchOptions
            {
                Quick = true,
                Timers = 2_000,
                Window = TimeSpan.FromSeconds(5),
                Lead = TimeSpan.FromSeconds(4),
                FiringTimeout = TimeSpan.FromMinutes(3),
                Warmup = TimeSpan.FromSeconds(1),
                Duration = TimeSpan.FromSeconds(5),
                DecisionPool = 10_000,
                QuietWait = TimeSpan.FromSeconds(30),
            }
            : new BenchOptions();

        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            TimeSpan Seconds() => TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture));
            options = args[i] switch
            {
                "--quick" => options,
                "--timers" => options with { Timers = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--window" => options with { Window = Seconds() },
                "--lead" => options with { Lead = Seconds() },
                "--firing-timeout" => options with { FiringTimeout = Seconds() },
                "--clients" => options with { Clients = Next().Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray() },
                "--warmup" => options with { Warmup = Seconds() },
                "--duration" => options with { Duration = Seconds() },
                "--pool" => options with { DecisionPool = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--sweep-interval" => options with { SweepInterval = Seconds() },
                "--quiet-wait" => options with { QuietWait = Seconds() },
                "--sink" => options with { Sink = Next() is "fast" or "catcher" ? args[i] : throw new ArgumentException($"--sink takes fast or catcher.\n{Usage}") },
                "--server-connection-options" => options with { ServerConnectionOptions = Next() },
                "--server" => options with { Server = Path.GetFullPath(Next()) },
                "--out" => options with { Out = Path.GetFullPath(Next()) },
                "--only" => Next() switch
                {
                    "firing" => options with { RunDecisions = false },
                    "decisions" => options with { RunFiring = false },
                    var other => throw new ArgumentException($"--only takes firing or decisions, not {other}.\n{Usage}"),
                },
                "--help" or "-h" => throw new ArgumentException(Usage),
                var other => throw new ArgumentException($"Unknown option {other}.\n{Usage}"),
            };
        }

        return options;
    }
}
