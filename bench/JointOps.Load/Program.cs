using System.Collections.Concurrent;
using System.Diagnostics;
using JointOps.Deadlines.Bench;

namespace JointOps.Load;

/// <summary>Load generator, seeder and the whole benchmark suite; see bench/README.md.</summary>
/// <remarks>An explicit Main: .NET 10 makes top-level statements' Program public, and the tests reference this assembly beside the server's.</remarks>
internal static class LoadProgram
{
    public static async Task<int> Main(string[] args)
    {
        LoadOptions options;
        try
        {
            options = LoadOptions.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        var repo = FindRepositoryRoot();
        var dll = options.Server ?? Path.Combine(repo, "src", "JointOps.Server", "bin", "Release", "net10.0", "JointOps.Server.dll");
        var calendars = Path.Combine(AppContext.BaseDirectory, "calendars");

        // Ctrl-C ends the run through the normal exit path, so the cluster and the server are stopped.
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = false;
            Environment.Exit(130);
        };

        switch (options.Command)
        {
            case "suite":
            {
                if (!File.Exists(dll))
                {
                    Console.Error.WriteLine($"{dll} is missing: run `dotnet build -c Release` first (bench/run.sh does), or pass --server.");
                    return 2;
                }

                var outDir = options.Out ?? Path.Combine(Path.GetTempPath(), $"jointops-load-{DateTime.Now:yyyyMMdd-HHmmss}");
                Directory.CreateDirectory(outDir);
                Report.Say($"server {dll}; logs, pgbench output and plans in {outDir}");
                var (table, failed) = await Suite.RunAsync(options, dll, outDir);
                await File.WriteAllTextAsync(Path.Combine(outDir, "table.md"), table);
                Console.WriteLine();
                Console.WriteLine(table);
                return failed ? 1 : 0;
            }

            case "seed":
            {
                var db = Required(options.Postgres, "--postgres");
                var clock = Stopwatch.StartNew();
                var seeder = await ScaleSeeder.LoadAsync(db, calendars);
                await seeder.SeedHistoryAsync(options.Requests, Environment.TickCount);
                var (requests, timers) = await Suite.CountAsync(db);
                Report.Say($"seeded {options.Requests:#,0} requests in {clock.Elapsed.TotalSeconds:0.0} s; the database holds {requests:#,0} requests, {timers:#,0} pending timers; {seeder.Population}");
                return 0;
            }

            case "run":
            {
                var db = Required(options.Postgres, "--postgres");
                var url = options.Url ?? throw new ArgumentException("run needs --url.");
                var seeder = await ScaleSeeder.LoadAsync(db, calendars);
                using var http = HttpLoad.Client(url);
                var load = new HttpLoad(http, options.Password, options.TwoFactorKey);
                var clients = seeder.Population.Clients;
                foreach (var count in options.Clients)
                {
                    Func<int, Func<Task<Outcome>>> client;
                    if (options.Mode is "decide" or "mix")
                    {
                        var perClient = options.Pool > 0 ? options.Pool : (int)Math.Ceiling(3000 * (options.Warmup + options.Duration).TotalSeconds / 6 / count) + 5;
                        var pools = (await seeder.SeedPoolsAsync(clients.Take(count).ToList(), perClient)).Select(p => new ConcurrentQueue<Guid>(p)).ToArray();
                        await load.SignInAsync(clients.Take(count).SelectMany(c => c.All));
                        client = options.Mode == "decide"
                            ? i => load.Decide(new HttpLoad.Chain(clients[i], pools[i]))
                            : i => load.Mix(new HttpLoad.Chain(clients[i], pools[i]), i);
                    }
                    else if (options.Mode == "submit")
                    {
                        await load.SignInAsync(clients.Take(count).Select(c => c.Officer));
                        client = i => load.Submit(clients[i], i);
                    }
                    else
                    {
                        await seeder.FindLongHistoryAsync();
                        var readers = Suite.Readers(seeder, count);
                        await load.SignInAsync(readers.Select(r => r.User));
                        client = i => load.Reads(readers[i], i);
                    }

                    var result = await LoadRun.RunAsync(count, options.Warmup, options.Duration, options.ServerPid ?? 0, client);
                    Console.WriteLine($"{options.Mode}, {count} client(s): {result.Throughput():0} ops/s, {result.Errors} errors{(result.FirstError is { } e ? $" (first: {e})" : "")}" +
                        (options.ServerPid is null ? "" : $", server peak working set {result.PeakMb:0} MB") + (result.Exhausted ? ", pool exhausted" : ""));
                    foreach (var op in result.Operations.Values.OrderBy(o => o.Operation, StringComparer.Ordinal))
                    {
                        Console.WriteLine($"  {op.Operation}: {op.Count / options.Duration.TotalSeconds:0}/s, {op.Latencies}, {op.Errors} errors");
                    }
                }

                return 0;
            }

            case "explain":
            {
                var db = Required(options.Postgres, "--postgres");
                var seeder = await ScaleSeeder.LoadAsync(db, calendars);
                await seeder.FindLongHistoryAsync();
                var file = options.Out ?? Path.Combine(Path.GetTempPath(), $"jointops-explain-{DateTime.Now:yyyyMMdd-HHmmss}.md");
                await using var host = new InProcessHost(db, options.Password, 25);
                foreach (var reader in Suite.Readers(seeder, 2))
                {
                    await host.ExplainAsync(db, reader.User, reader.Pages[0], "explain", file);
                }

                Report.Say($"plans written to {file}");
                return 0;
            }

            default:
                Console.Error.WriteLine(LoadOptions.Usage);
                return 2;
        }

        static string Required(string? value, string name) => value ?? throw new ArgumentException($"{name} is required.\n{LoadOptions.Usage}");

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
