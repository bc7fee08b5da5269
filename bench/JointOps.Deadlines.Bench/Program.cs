using System.Globalization;

namespace JointOps.Deadlines.Bench;

/// <summary>The deadline machinery and decisions on a real PostgreSQL, against the real server run as a separate process. See bench/README.md and docs/benchmarks.md.</summary>
/// <remarks>An explicit Main: .NET 10 makes top-level statements' Program public, and the tests reference this assembly beside the server's.</remarks>
internal static class DeadlinesBenchProgram
{
    public static async Task<int> Main(string[] args)
    {
        BenchOptions options;
        try
        {
            options = BenchOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        var repo = FindRepositoryRoot();
        var dll = options.Server ?? Path.Combine(repo, "src", "JointOps.Server", "bin", "Release", "net10.0", "JointOps.Server.dll");
        if (!File.Exists(dll))
        {
            Console.Error.WriteLine($"{dll} is missing: run `dotnet build -c Release` first (bench/run.sh does).");
            return 2;
        }

        var outDir = options.Out ?? Path.Combine(Path.GetTempPath(), $"jointops-bench-{DateTime.Now:yyyyMMdd-HHmmss}");
        Directory.CreateDirectory(outDir);
        Report.Say($"server {dll}; logs and statement breakdowns in {outDir}");

        // Ctrl-C ends the run through the normal exit path, so the cluster and the server are stopped.
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = false;
            Environment.Exit(130);
        };

        var rows = new List<Row>();
        await using (var postgres = await Postgres.StartAsync(outDir))
        {
            Report.Say($"PostgreSQL {postgres.Version}: {postgres.Description}");
            await using IMailSink sink = options.Sink == "catcher" ? await CatcherSink.StartAsync() : new SmtpSink();
            rows.Add(new Row("machine", $"{Environment.ProcessorCount} cores", string.Create(CultureInfo.InvariantCulture,
                $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB; PostgreSQL {postgres.Version}, durable (fsync, synchronous_commit on); sweep every {options.SweepInterval.TotalSeconds:0.###} s; mail to {sink.Name}{(options.ServerConnectionOptions is { } extra ? $"; server connection: {extra}" : "")}{(options.Quick ? "; --quick" : "")}")));

            if (options.RunFiring)
            {
                rows.AddRange(await FiringBench.RunAsync(options, postgres, sink, dll, outDir));
            }

            if (options.RunDecisions)
            {
                rows.AddRange(await DecisionBench.RunAsync(options, postgres, sink, dll, outDir));
            }
        }

        var table = Report.Table(rows);
        await File.WriteAllTextAsync(Path.Combine(outDir, "table.md"), table);
        Console.WriteLine();
        Console.WriteLine(table);
        return 0;

        static string FindRepositoryRoot()
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "JointOps.sln")))
                {
                    return dir.FullName;
                }
            }

            return Directory.GetCurrentDirectory();
        }
    }
}
