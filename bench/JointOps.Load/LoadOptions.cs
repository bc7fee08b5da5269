using System.Globalization;

namespace JointOps.Load;

/// <summary>Command-line options of every command; <c>--quick</c> makes the suite small enough for a test.</summary>
public sealed record LoadOptions
{
    public string Command { get; init; } = "suite";

    public bool Quick { get; init; }

    /// <summary>suite: an existing PostgreSQL (role with CREATEDB); the other commands: the server's database.</summary>
    public string? Postgres { get; init; }

    public string? Server { get; init; }

    public Uri? Url { get; init; }

    public int? ServerPid { get; init; }

    public string Mode { get; init; } = "decide";

    public IReadOnlyList<int> Clients { get; init; } = [1, 4, 16];

    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(5);

    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Requests seeded for the reads and the cost growth, cumulatively into one database.</summary>
    public IReadOnlyList<int> Scales { get; init; } = [10_000, 100_000, 1_000_000];

    /// <summary>seed: how many requests to add.</summary>
    public int Requests { get; init; } = 10_000;

    /// <summary>Fresh requests per client for the decision modes (each takes six decisions); 0: sized from the duration.</summary>
    public int Pool { get; init; }

    public string Password { get; init; } = JointOps.Deadlines.Bench.ServerProcess.SeedPassword;

    /// <summary>
    /// Base32; given to the server as Development:AuthenticatorKey and used to compute sign-in codes. The default is
    /// the key appsettings.Development.json gives the seeded approvers, central authorities and admins.
    /// </summary>
    public string? TwoFactorKey { get; init; } = "JBSWY3DPEHPK3PXP";

    public string? Out { get; init; }

    public bool SkipFiring { get; init; }

    public TimeSpan QuietWait { get; init; } = TimeSpan.FromSeconds(60);

    public static readonly string Usage = """
        JointOps.Load suite   [--quick] [--clients 1,4,16] [--warmup S] [--duration S] [--scales 10000,100000,1000000]
                              [--skip-firing] [--two-factor-key BASE32] [--postgres CS] [--server PATH/JointOps.Server.dll] [--out DIR]
        JointOps.Load seed    --postgres CS --requests N
        JointOps.Load run     --url URL --postgres CS --mode decide|submit|mix|reads [--clients N] [--warmup S] [--duration S]
                              [--pool N] [--server-pid PID] [--two-factor-key BASE32] [--password P]
        JointOps.Load explain --postgres CS [--out FILE]
          suite: PostgreSQL from --postgres, else JOINTOPS_BENCH_POSTGRES, else a throwaway cluster. The other commands take the
          database of a server that has started on it once (migrated, Development users seeded).
        """;

    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions();
        var start = 0;
        if (args.Length > 0 && !args[0].StartsWith('-'))
        {
            options = options with { Command = args[0] };
            start = 1;
        }

        if (args.Contains("--quick"))
        {
            options = options with
            {
                Quick = true,
                Warmup = TimeSpan.FromSeconds(0.5),
                Duration = TimeSpan.FromSeconds(1.5),
                Clients = [1, 4],
                Scales = [500, 1_500],
                QuietWait = TimeSpan.Zero,
            };
        }

        for (var i = start; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.\n{Usage}");
            TimeSpan Seconds() => TimeSpan.FromSeconds(double.Parse(Next(), CultureInfo.InvariantCulture));
            int[] Ints() => Next().Split(',').Select(c => int.Parse(c, CultureInfo.InvariantCulture)).ToArray();
            options = args[i] switch
            {
                "--quick" => options,
                "--postgres" => options with { Postgres = Next() },
                "--server" => options with { Server = Path.GetFullPath(Next()) },
                "--url" => options with { Url = new Uri(Next()) },
                "--server-pid" => options with { ServerPid = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--mode" => options with { Mode = Next() is "decide" or "submit" or "mix" or "reads" ? args[i] : throw new ArgumentException($"--mode takes decide, submit, mix or reads.\n{Usage}") },
                "--clients" => options with { Clients = Ints() },
                "--warmup" => options with { Warmup = Seconds() },
                "--duration" => options with { Duration = Seconds() },
                "--scales" => options with { Scales = Ints() },
                "--requests" => options with { Requests = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--pool" => options with { Pool = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--password" => options with { Password = Next() },
                "--two-factor-key" => options with { TwoFactorKey = Next() },
                "--out" => options with { Out = Path.GetFullPath(Next()) },
                "--skip-firing" => options with { SkipFiring = true },
                "--quiet-wait" => options with { QuietWait = Seconds() },
                "--help" or "-h" => throw new ArgumentException(Usage),
                var other => throw new ArgumentException($"Unknown option {other}.\n{Usage}"),
            };
        }

        if (options.Clients.Max() > Population.MaxClients)
        {
            throw new ArgumentException($"At most {Population.MaxClients} clients.");
        }

        return options;
    }
}
