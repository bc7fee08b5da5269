using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;

namespace JointOps.Deadlines.Bench;

/// <summary>
/// N HTTP clients, signed in as the supervisors of the seeded requests' units, approve fresh requests at
/// supervisor-review (each decision writes the request, an audit entry, assignments, timers and an outbox mail) while
/// the server's sweep drains the outbox; before each client count, pgbench runs the database floor at the same count.
/// </summary>
public static class DecisionBench
{
    public static async Task<List<Row>> RunAsync(BenchOptions options, Postgres postgres, IMailSink sink, string dll, string outDir)
    {
        var rows = new List<Row>();
        var db = await postgres.CreateDatabaseAsync("bench_decisions");
        Report.Say($"decisions: starting the server on {new NpgsqlConnectionStringBuilder(db).Database}");
        await using var server = await ServerProcess.StartAsync(dll, ServerProcess.ServerConnectionString(db, options), sink.Port, options.SweepInterval, Path.Combine(outDir, "server-decisions.log"));
        var seeder = await Seeder.LoadAsync(db, Path.Combine(Path.GetDirectoryName(dll)!, "calendars"));
        var cpu = new CpuMeter(server.Pid, postgres.PostmasterPid);

        Report.Say($"decisions: seeding {Report.N(options.DecisionPool)} fresh requests at supervisor-review (the engine's own timers)");
        var entered = Seeder.Micro(DateTimeOffset.UtcNow.AddMinutes(-1));
        var seedClock = Stopwatch.StartNew();
        var (ids, _) = await seeder.SeedAsync(0, options.DecisionPool, i =>
        {
            var (due, timers) = seeder.StartTimers(i, entered);
            return (entered, due, timers);
        });
        rows.Add(new Row("seed: fresh requests for decisions", $"{Report.F(seedClock.Elapsed.TotalSeconds)} s",
            $"{Report.N(options.DecisionPool)} requests with {seeder.StartTimers(0, entered).Timers.Count} pending timers each (far from due)"));

        using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan, MaxConnectionsPerServer = 1024 })
        {
            BaseAddress = server.Address,
            Timeout = TimeSpan.FromSeconds(60),
        };
        var tokens = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var email in Enumerable.Range(0, 4).Select(i => seeder.SupervisorOf(i).Email).Distinct())
        {
            using var login = await http.PostAsJsonAsync(new Uri("/api/auth/login", UriKind.Relative), new { email, password = ServerProcess.SeedPassword, twoFactorCode = Totp.Code(Totp.DevelopmentKey) });
            login.EnsureSuccessStatusCode();
            using var body = JsonDocument.Parse(await login.Content.ReadAsStringAsync());
            tokens[email] = body.RootElement.GetProperty("accessToken").GetString()!;
        }

        var floor = await PgbenchFloor.CreateAsync(postgres, outDir);
        var next = -1;
        foreach (var clients in options.Clients)
        {
            await cpu.WaitForQuietAsync(options.QuietWait);
            Report.Say($"decisions: pgbench floor, {clients} client(s), {options.Duration.TotalSeconds:0} s");
            var floorResult = await floor.RunAsync(clients, options.Duration, Path.Combine(outDir, "pgbench.log"));
            var busy = await cpu.WaitForQuietAsync(options.QuietWait);
            if (busy > 0.2)
            {
                rows.Add(new Row($"WARNING machine busy before {clients} client(s)", $"{Report.F(busy, "0.00")} cores", "used by other processes"));
            }

            var drained = await WaitForOutboxAsync(db, TimeSpan.FromMinutes(3));
            if (!drained)
            {
                rows.Add(new Row($"WARNING outbox not drained before {clients} client(s)", "", "mail from the previous run still being sent"));
            }

            Report.Say($"decisions: {clients} HTTP client(s), {options.Warmup.TotalSeconds:0} s warm-up + {options.Duration.TotalSeconds:0} s");
            server.EnsureRunning();
            var run = await RunClientsAsync(http, seeder, tokens, ids, clients, options.Warmup, options.Duration, cpu, db, postgres, outDir, () => Interlocked.Increment(ref next));
            server.EnsureRunning();
            var label = clients == 1 ? "1 client" : $"{clients} clients";
            rows.Add(new Row($"decisions/s, {label}", Report.F(run.Throughput, "0"),
                $"p50 {Report.F(run.P50)} ms, p95 {Report.F(run.P95)} ms, p99 {Report.F(run.P99)} ms; {Report.N(run.Count)} decisions, {Report.N(run.Errors)} errors{run.FirstError}"));
            rows.Add(new Row($"pgbench floor tx/s, {label}", Report.F(floorResult.Tps, "0"),
                $"avg {Report.F(floorResult.LatencyMs, "0.00")} ms; HTTP decisions reach {Report.F(100 * run.Throughput / floorResult.Tps)}% of it (ratio 1:{Report.F(floorResult.Tps / Math.Max(run.Throughput, 1e-9))})"));
            rows.Add(new Row($"CPU, {label}", $"{Report.F(run.Cpu.MachineCores, "0.00")} cores", run.Cpu.ToString()));
            if (run.StatementsPerDecision > 0)
            {
                rows.Add(new Row($"SQL statements per decision, {label}", Report.F(run.StatementsPerDecision), run.StatementNote));
            }

            if (run.Exhausted)
            {
                rows.Add(new Row("WARNING request pool exhausted", Report.N(ids.Length), "raise --pool"));
                break;
            }
        }

        return rows;
    }

    private sealed record RunResult(long Count, long Errors, string FirstError, double Throughput, double P50, double P95, double P99,
        CpuMeter.Usage Cpu, double StatementsPerDecision, string StatementNote, bool Exhausted);

    private static async Task<RunResult> RunClientsAsync(HttpClient http, Seeder seeder, Dictionary<string, string> tokens, Guid[] ids,
        int clients, TimeSpan warmup, TimeSpan duration, CpuMeter cpu, string db, Postgres postgres, string outDir, Func<int> take)
    {
        var clock = Stopwatch.StartNew();
        var measureFrom = warmup;
        var measureTo = warmup + duration;
        var latencies = new List<double>[clients];
        var errors = 0L;
        var sinceReset = 0L;
        var firstError = "";
        var exhausted = false;
        CpuMeter.Snapshot? cpuFrom = null;
        var measuring = new TaskCompletionSource();
        _ = Task.Run(async () =>
        {
            await Task.Delay(warmup);
            await Report.ResetStatementsAsync(db);
            cpuFrom = cpu.Take();
            measuring.SetResult();
        });

        var workers = Enumerable.Range(0, clients).Select(c => Task.Run(async () =>
        {
            var mine = latencies[c] = [];
            while (clock.Elapsed < measureTo)
            {
                var i = take();
                if (i >= ids.Length)
                {
                    exhausted = true;
                    return;
                }

                using var message = new HttpRequestMessage(HttpMethod.Post, new Uri($"/api/requests/{ids[i]}/decisions", UriKind.Relative))
                {
                    Content = JsonContent.Create(new { decision = "approve", version = 1 }),
                };
                message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokens[seeder.SupervisorOf(i).Email]);
                var started = clock.Elapsed;
                using var response = await http.SendAsync(message);
                var body = await response.Content.ReadAsStringAsync();
                var ended = clock.Elapsed;
                if (ended >= measureFrom)
                {
                    Interlocked.Increment(ref sinceReset);
                }

                if (started >= measureFrom && ended <= measureTo)
                {
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        mine.Add((ended - started).TotalMilliseconds);
                    }
                    else if (Interlocked.Increment(ref errors) == 1)
                    {
                        firstError = $" (first: {(int)response.StatusCode} {(body.Length > 200 ? body[..200] : body)})";
                    }
                }
            }
        })).ToArray();
        await Task.WhenAll(workers);
        await measuring.Task;
        var cpuTo = cpu.Take();

        var all = latencies.SelectMany(l => l).Order().ToList();
        var statements = await Report.StatementsAsync(db, Path.Combine(outDir, $"decisions-{clients}-statements.tsv"));

        // The decisions' statements only: the sweep's claims, the outbox drain and Hangfire's polling are left out, and
        // Npgsql's reset of a pooled connection (DISCARD ALL, or seven statements in one round trip with prepared statements) is counted apart.
        var ours = statements.Where(s => !s.Query.Contains("hangfire", StringComparison.OrdinalIgnoreCase)
            && !s.Query.Contains("SKIP LOCKED", StringComparison.Ordinal)
            && !s.Query.StartsWith("UPDATE \"Outbox\"", StringComparison.Ordinal)
            && !s.Query.Contains("pg_stat_statements", StringComparison.Ordinal)).ToList();
        var decisionStatements = ours.Where(s => !ConnectionReset.Contains(s.Query.Trim())).ToList();
        var resets = ours.Where(s => ConnectionReset.Contains(s.Query.Trim())).Sum(s => s.Calls);
        var count = Interlocked.Read(ref sinceReset);
        var perDecision = count > 0 ? decisionStatements.Sum(s => s.Calls) / (double)count : 0;
        var note = $"+ {Report.F(resets / (double)Math.Max(count, 1), "0.0")} connection-reset statements; " + string.Join("; ", decisionStatements.Where(s => s.Calls >= count / 2).OrderByDescending(s => s.Calls)
            .Select(s => $"{Report.F(s.Calls / (double)Math.Max(count, 1))}× {Abbreviate(s.Query)}"));
        return new RunResult(all.Count, errors, firstError, all.Count / duration.TotalSeconds,
            Report.Percentile(all, 0.50), Report.Percentile(all, 0.95), Report.Percentile(all, 0.99),
            CpuMeter.Between(cpuFrom!, cpuTo), perDecision, note, exhausted);
    }

    private static readonly HashSet<string> ConnectionReset = new(StringComparer.Ordinal)
    {
        "DISCARD ALL", "SET SESSION AUTHORIZATION DEFAULT", "RESET ALL", "SELECT pg_advisory_unlock_all()", "CLOSE ALL", "UNLISTEN *",
        "DISCARD SEQUENCES", "DISCARD TEMP",
    };

    private static string Abbreviate(string query) => query.Length > 48 ? query[..48] + "…" : query;

    /// <summary>Waits until the server has sent every mail waiting in the outbox; false if it has not within <paramref name="timeout"/>.</summary>
    public static async Task<bool> WaitForOutboxAsync(string db, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        while (DateTime.UtcNow < deadline)
        {
            await using var command = new NpgsqlCommand("""SELECT count(*) FROM "Outbox" WHERE "State" = 'pending'""", connection);
            if ((long)(await command.ExecuteScalarAsync())! == 0)
            {
                return true;
            }

            await Task.Delay(500);
        }

        return false;
    }
}
