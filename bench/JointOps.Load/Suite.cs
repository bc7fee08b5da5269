using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using JointOps.Deadlines.Bench;
using Npgsql;

namespace JointOps.Load;

/// <summary>
/// Everything in one run and one table: the deadline bench's firing run, the pgbench floor at each client count, then on
/// one database grown from scale to scale: decisions over HTTP (1, 4, 16 clients), submissions, the mix, decisions
/// in-process through MediatR, and at each scale the reads, decisions at 16 clients and the EXPLAIN of the read queries;
/// last, timers falling due among a million pending while decisions run.
/// </summary>
public static class Suite
{
    /// <summary>The table; a failure ends the run but keeps the rows measured so far, with the failure as the last.</summary>
    public static async Task<(string Table, bool Failed)> RunAsync(LoadOptions options, string dll, string outDir)
    {
        var rows = new List<Row>();
        try
        {
            await RunAsync(options, dll, outDir, rows);
            return (Report.Table(rows), false);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or NpgsqlException or HttpRequestException or IOException)
        {
            rows.Add(new Row("FAILED", "", e.GetBaseException().Message.ReplaceLineEndings(" ")));
            await File.WriteAllTextAsync(Path.Combine(outDir, "failure.txt"), e.ToString());
            return (Report.Table(rows), true);
        }
    }

    private static async Task RunAsync(LoadOptions options, string dll, string outDir, List<Row> rows)
    {
        var maxClients = options.Clients.Max();
        await using var postgres = await Postgres.StartAsync(outDir, options.Postgres);
        Report.Say($"PostgreSQL {postgres.Version}: {postgres.Description}");
        await using var sink = new SmtpSink();
        rows.Add(new Row("machine", $"{Environment.ProcessorCount} cores", string.Create(CultureInfo.InvariantCulture,
            $"{GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 30)} GiB; PostgreSQL {postgres.Version}; warm-up {options.Warmup.TotalSeconds:0.#} s, measured {options.Duration.TotalSeconds:0.#} s per run{(options.Quick ? "; --quick" : "")}")));

        if (!options.SkipFiring)
        {
            var firing = BenchOptions.Parse(options.Quick ? ["--quick", "--timers", "1000", "--window", "2", "--lead", "3"] : []) with { QuietWait = options.QuietWait };
            rows.AddRange(await FiringBench.RunAsync(firing, postgres, sink, dll, outDir));
        }

        var floor = await PgbenchFloor.CreateAsync(postgres, outDir);
        var db = await postgres.CreateDatabaseAsync("bench_load");
        Report.Say($"load: starting the server on {new NpgsqlConnectionStringBuilder(db).Database}");
        var settings = new Dictionary<string, string>();
        if (options.TwoFactorKey is { } key)
        {
            settings["Development__AuthenticatorKey"] = key;
        }

        await using var server = await ServerProcess.StartAsync(dll, db, sink.Port, TimeSpan.FromSeconds(1), Path.Combine(outDir, "server-load.log"), settings);
        var cpu = new CpuMeter(server.Pid, postgres.PostmasterPid);
        var seeder = await ScaleSeeder.LoadAsync(db, Path.Combine(Path.GetDirectoryName(dll)!, "calendars"));
        var clients = seeder.Population.Clients;
        using var http = HttpLoad.Client(server.Address);
        var load = new HttpLoad(http, options.Password, options.TwoFactorKey);

        var seeded = 0;
        async Task GrowAsync(int scale)
        {
            Report.Say($"seed: growing to {scale:#,0} requests");
            var clock = Stopwatch.StartNew();
            await seeder.SeedHistoryAsync(scale - seeded, 20261125 + seeded);
            var (requests, timers) = await CountAsync(db);
            rows.Add(new Row($"seed: +{Report.N(scale - seeded)} requests (COPY)", $"{Report.F(clock.Elapsed.TotalSeconds)} s",
                $"now {Report.N(requests)} requests in the database (pools included), {Report.N(timers)} pending timers"));
            seeded = scale;
        }

        await GrowAsync(options.Scales[0]);
        Report.Say("load: signing in every client's users");
        await load.SignInAsync(clients.Take(maxClients).SelectMany(c => c.All));

        async Task<ConcurrentQueue<Guid>[]> PoolsAsync(int count, double rate)
        {
            // Six decisions per request; half as many again in reserve.
            var perClient = options.Pool > 0 ? options.Pool
                : (int)Math.Ceiling(rate * (options.Warmup + options.Duration).TotalSeconds / 6 * 1.5 / count) + 5;
            var pools = await seeder.SeedPoolsAsync(clients.Take(count).ToList(), perClient);
            return pools.Select(p => new ConcurrentQueue<Guid>(p)).ToArray();
        }

        // The last run's mail is still being sent for up to a minute after it: each run starts once it has gone, so that
        // neither the pgbench floor nor the next run pays for it.
        async Task QuietAsync()
        {
            if (!await DecisionBench.WaitForOutboxAsync(db, TimeSpan.FromMinutes(3)))
            {
                Report.Say("WARNING: the outbox still held mail after 3 minutes");
            }

            if (options.QuietWait > TimeSpan.Zero)
            {
                await cpu.WaitForQuietAsync(options.QuietWait);
            }
        }

        async Task<(LoadResult Result, CpuMeter.Usage Cpu)> MeasureAsync(int count, int memoryPid, Func<int, Func<Task<Outcome>>> client)
        {
            await QuietAsync();

            server.EnsureRunning();
            var before = cpu.Take();
            var result = await LoadRun.RunAsync(count, options.Warmup, options.Duration, memoryPid, client);
            server.EnsureRunning();
            return (result, CpuMeter.Between(before, cpu.Take()));
        }

        var floorTps = new Dictionary<int, double>();
        foreach (var count in options.Clients)
        {
            Report.Say($"pgbench floor, {count} client(s)");
            await QuietAsync();
            var floorStart = cpu.Take();
            floorTps[count] = (await floor.RunAsync(count, options.Duration, Path.Combine(outDir, "pgbench.log"))).Tps;
            var floorCpu = CpuMeter.Between(floorStart, cpu.Take());
            rows.Add(new Row($"pgbench floor tx/s, {Clients(count)}", Report.F(floorTps[count], "0"),
                $"read, update with version check, insert audit row and timer (bench/README.md); {floorCpu}; {floorCpu.PerOperation(floorTps[count], "transaction")} (pgbench itself is other)"));

            Report.Say($"decide over HTTP, {count} client(s)");
            var pools = await PoolsAsync(count, 3000);
            var (run, usage) = await MeasureAsync(count, server.Pid, i => load.Decide(new HttpLoad.Chain(clients[i], pools[i])));
            rows.Add(Throughput($"decisions/s over HTTP, {Clients(count)}", run, "decide", floorTps[count], count == 16 ? 50 : null, usage));
        }

        var top = floorTps[maxClients];
        Report.Say($"submit over HTTP, {maxClients} clients");
        var (submits, submitCpu) = await MeasureAsync(maxClients, server.Pid, i => load.Submit(clients[i], i));
        rows.Add(Throughput($"submissions/s over HTTP, {Clients(maxClients)}", submits, "submit", top, 40, submitCpu));

        Report.Say($"mix over HTTP, {maxClients} clients");
        var mixPools = await PoolsAsync(maxClients, 300);
        var (mix, mixCpu) = await MeasureAsync(maxClients, server.Pid, i => load.Mix(new HttpLoad.Chain(clients[i], mixPools[i]), i));
        rows.Add(new Row($"mix over HTTP, {Clients(maxClients)}", $"{Report.F(mix.Throughput(), "0")} ops/s",
            $"peak working set {Report.F(mix.PeakMb, "0")} MB; {Report.N(mix.Errors)} errors{Error(mix)}; {mixCpu}"));
        foreach (var op in mix.Operations.Values.OrderBy(o => o.Operation, StringComparer.Ordinal))
        {
            rows.Add(new Row($"  mix: {op.Operation}", $"{Report.F(op.Count / options.Duration.TotalSeconds, "0")}/s", op.Latencies));
        }

        // The HTTP server stays up but idle (its sweep polls once a second) while this process hosts the server; the host
        // then stays for the EXPLAIN of each scale.
        await QuietAsync();
        Report.Say($"decide in-process through MediatR, {maxClients} clients");
        await using var host = new InProcessHost(db, options.Password, sink.Port);
        var inProcessPools = await PoolsAsync(maxClients, 3000);
        await host.WarmAsync(new HttpLoad.Chain(clients[0], inProcessPools[0]));
        var inProcessCpu = new CpuMeter(Environment.ProcessId, postgres.PostmasterPid);
        var beforeInProcess = inProcessCpu.Take();
        var inProcess = await LoadRun.RunAsync(maxClients, options.Warmup, options.Duration, Environment.ProcessId,
            i => host.Decide(new HttpLoad.Chain(clients[i], inProcessPools[i])));
        rows.Add(Throughput($"decisions/s in-process (MediatR), {Clients(maxClients)}", inProcess, "decide", top, 70,
            CpuMeter.Between(beforeInProcess, inProcessCpu.Take()), "peak working set is the bench process hosting the server"));

        var plans = Path.Combine(outDir, "explain.md");
        await File.WriteAllTextAsync(plans, "# EXPLAIN (ANALYZE, BUFFERS) of the read queries, as EF Core sent them\n\n");
        foreach (var scale in options.Scales)
        {
            if (scale > seeded)
            {
                await GrowAsync(scale);
            }

            var label = $"at {Report.N(scale)}";
            var readers = Readers(seeder, maxClients);
            await load.SignInAsync(readers.Select(r => r.User));
            var problem = await load.CheckSeededAsync(readers[0], readers[1]);
            rows.Add(new Row($"check: seeded data served {label}", problem is null ? "ok" : "FAILED",
                problem ?? $"{readers[1].User.Email}'s inbox lists requests; {readers[0].User.Email} opens a long-history request; its 50 audit entries verify"));
            Report.Say($"reads {label}, {maxClients} clients");
            var (reads, _) = await MeasureAsync(maxClients, server.Pid, i => load.Reads(readers[i % readers.Count], i));
            foreach (var op in reads.Operations.Values.OrderBy(o => o.Operation, StringComparer.Ordinal))
            {
                var goal = op.Operation.StartsWith("search", StringComparison.Ordinal) ? 50 : 20;
                rows.Add(new Row($"{op.Operation} {label}", $"p95 {Report.F(op.P95)} ms",
                    $"{op.Latencies}; {Report.F(op.Count / options.Duration.TotalSeconds, "0")}/s; {Report.N(op.Errors)} errors{(op.FirstError is { } e ? $" (first: {e})" : "")}; goal p95 < {goal} ms"));
            }

            Report.Say($"decide over HTTP {label}, {maxClients} clients");
            var pools = await PoolsAsync(maxClients, 3000);
            var (decide, decideCpu) = await MeasureAsync(maxClients, server.Pid, i => load.Decide(new HttpLoad.Chain(clients[i], pools[i])));
            rows.Add(Throughput($"decisions/s over HTTP, {Clients(maxClients)}, {label}", decide, "decide", top, null, decideCpu));

            Report.Say($"explain {label}");
            foreach (var reader in readers.DistinctBy(r => r.Kind))
            {
                await host.ExplainAsync(db, reader.User, reader.Pages[0], label, plans);
            }
        }

        // Deadlines at a million pending timers (a few thousand with --quick), falling due while decisions run.
        var deadlinePools = await PoolsAsync(maxClients, 3000);
        rows.AddRange(await DeadlinesUnderLoad.RunAsync(db, Path.Combine(Path.GetDirectoryName(dll)!, "calendars"),
            options.Quick ? 5_000 : 1_000_000, options.Quick ? 50 : 200, options.Warmup, options.Duration,
            () => MeasureAsync(maxClients, server.Pid, i => load.Decide(new HttpLoad.Chain(clients[i], deadlinePools[i])))));

        rows.Add(new Row("plans", "", plans));
    }

    /// <summary>Alternately a unit's supervisor and a country's central authority, each with long-history requests they may open.</summary>
    public static List<Reader> Readers(ScaleSeeder seeder, int count)
    {
        var population = seeder.Population;
        var units = seeder.LongHistory.Keys.Order(StringComparer.Ordinal).ToList();
        var readers = new List<Reader>();
        for (var i = 0; readers.Count < count; i++)
        {
            if (i % 2 == 0)
            {
                var unit = units[(i / 2) % units.Count];
                readers.Add(new Reader(population.Supervisors[unit], "unit supervisor", seeder.LongHistory[unit]));
            }
            else
            {
                var central = population.Clients[i % population.Clients.Count].Central;
                var pages = seeder.LongHistory.Where(u => u.Key.StartsWith(central.Country, StringComparison.Ordinal)).SelectMany(u => u.Value).ToList();
                readers.Add(new Reader(central, "central authority", pages));
            }
        }

        return readers;
    }

    public static async Task<(long Requests, long Timers)> CountAsync(string db)
    {
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM "Requests"), (SELECT count(*) FROM "Timers" WHERE "State" = 'pending')
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static Row Throughput(string measure, LoadResult run, string operation, double floor, int? goal, CpuMeter.Usage cpu, string? note = null)
    {
        var op = run.Operations.GetValueOrDefault(operation);
        var rate = run.Throughput(operation);
        return new Row(measure, Report.F(rate, "0"), string.Create(CultureInfo.InvariantCulture,
            $"{Report.F(100 * rate / floor)}% of pgbench{(goal is { } g ? $" (goal ≥ {g}%)" : "")}; {op?.Latencies ?? "no successes"}; peak working set {Report.F(run.PeakMb, "0")} MB; {Report.N(run.Errors)} errors{Error(run)}{(run.Exhausted ? "; POOL EXHAUSTED" : "")}; {cpu}; {cpu.PerOperation(rate, operation)}{(note is null ? "" : "; " + note)}"));
    }

    private static string Error(LoadResult run) => run.FirstError is { } e ? $" (first: {e})" : "";

    private static string Clients(int count) => count == 1 ? "1 client" : $"{count} clients";
}
