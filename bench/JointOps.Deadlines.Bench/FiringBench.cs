using System.Diagnostics;
using System.Globalization;
using System.Text;
using JointOps.Server.Persistence;
using Npgsql;

namespace JointOps.Deadlines.Bench;

/// <summary>
/// Seeds many pending timers (one per in-progress request, reminders and deadlines, both countries) falling due over a
/// window, lets the real server's sweep fire them, and measures every timer's lateness (FiredAt - DueAt, both stored)
/// and how fast the outbox drains the mails they cause.
/// </summary>
public static class FiringBench
{
    // The claim as FireDueTimers sent it up to 9b995e7 (clock_timestamp() in the query), and with the time as a parameter (since).
    private const string ClaimWithClockInQuery = """
        SELECT * FROM "Timers"
        WHERE "State" = 'pending' AND "DueAt" <= CASE WHEN $1 THEN clock_timestamp() ELSE $2 END
        ORDER BY "DueAt" LIMIT $3
        FOR UPDATE SKIP LOCKED
        """;

    private const string ClaimWithParameter = """
        SELECT * FROM "Timers"
        WHERE "State" = 'pending' AND "DueAt" <= $2
        ORDER BY "DueAt" LIMIT $3
        FOR UPDATE SKIP LOCKED
        """;

    public static async Task<List<Row>> RunAsync(BenchOptions options, Postgres postgres, IMailSink sink, string dll, string outDir)
    {
        var rows = new List<Row>();
        var db = await postgres.CreateDatabaseAsync("bench_firing");
        Report.Say($"firing: starting the server on {new NpgsqlConnectionStringBuilder(db).Database}");
        await using var server = await ServerProcess.StartAsync(dll, ServerProcess.ServerConnectionString(db, options), sink.Port, options.SweepInterval, Path.Combine(outDir, "server-firing.log"));
        var seeder = await Seeder.LoadAsync(db, Path.Combine(Path.GetDirectoryName(dll)!, "calendars"));
        var cpu = new CpuMeter(server.Pid, postgres.PostmasterPid);
        var mailsBefore = sink.Count;
        var busy = await cpu.WaitForQuietAsync(options.QuietWait);
        if (busy > 0.2)
        {
            rows.Add(new Row("WARNING machine busy before firing", $"{Report.F(busy, "0.00")} cores", "used by other processes"));
        }

        // Due times: uniform over the window, in random order of the requests, from a fixed seed.
        var random = new Random(20260101);
        var seedStarted = DateTimeOffset.UtcNow;
        var anchor = seedStarted + options.Lead;
        var offsets = Enumerable.Range(0, options.Timers).Select(_ => random.NextDouble() * options.Window.TotalSeconds).ToArray();
        Report.Say($"firing: seeding {Report.N(options.Timers)} requests with one pending timer each, due from {anchor:HH:mm:ss} over {options.Window.TotalSeconds} s");
        var seedClock = Stopwatch.StartNew();
        var (_, maxTimerId) = await seeder.SeedAsync(0, options.Timers, i => DueTimer(i, anchor + TimeSpan.FromSeconds(offsets[i])));
        seedClock.Stop();
        var committed = DateTimeOffset.UtcNow;
        var slack = anchor - committed;
        Report.Say($"firing: seeded in {seedClock.Elapsed.TotalSeconds:0.0} s; first timer due {slack.TotalSeconds:0.0} s after the commit");
        rows.Add(new Row("seed: requests + timers (COPY)", $"{Report.F(seedClock.Elapsed.TotalSeconds)} s",
            $"{Report.N(options.Timers)} requests, grants, assignments, 2 audit entries and 1 timer each"));
        if (slack < TimeSpan.Zero)
        {
            rows.Add(new Row("WARNING seed slower than --lead", $"{Report.F(-slack.TotalSeconds)} s", "early timers were due before they existed"));
        }

        // The claim with nothing yet due, over every pending timer: what each idle sweep costs.
        if (slack > TimeSpan.FromSeconds(1))
        {
            var shipped = await ExplainClaimAsync(db, ClaimWithClockInQuery, Path.Combine(outDir, "claim-explain-clock-in-query.txt"));
            var parameter = await ExplainClaimAsync(db, ClaimWithParameter, Path.Combine(outDir, "claim-explain-parameter.txt"));
            rows.Add(new Row("claim, none due: clock_timestamp() in SQL", $"{Report.F(shipped, "0.00")} ms",
                $"EXPLAIN ANALYZE over {Report.N(options.Timers)} pending: volatile, so the index gives order only (9b995e7)"));
            rows.Add(new Row("claim, none due: time as parameter", $"{Report.F(parameter, "0.00")} ms", "\"DueAt\" <= $2: an index range (since 148e704)"));
        }

        await Report.ResetStatementsAsync(db);
        var wait = anchor - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        Report.Say("firing: timers falling due; sampling every second");
        var start = cpu.Take();
        CpuMeter.Snapshot? allFired = null;
        var samples = new StringBuilder("seconds\tpending\tdue_not_fired\toutbox_pending\tmails_received\n");
        long maxBacklog = 0;
        var deadlineAt = DateTimeOffset.UtcNow + options.Window + options.FiringTimeout;
        await using (var connection = new NpgsqlConnection(db))
        {
            await connection.OpenAsync();
            while (true)
            {
                server.EnsureRunning();
                // Pending rows only, through the pending indexes: counting the sent outbox (wide rows) each second cost PostgreSQL 0.1 core.
                await using var command = new NpgsqlCommand("""
                    SELECT count(*) FILTER (WHERE "Id" <= @max),
                           count(*) FILTER (WHERE "Id" <= @max AND "DueAt" <= clock_timestamp()),
                           (SELECT count(*) FROM "Outbox" WHERE "State" = 'pending')
                    FROM "Timers" WHERE "State" = 'pending'
                    """, connection);
                command.Parameters.AddWithValue("max", maxTimerId);
                await using var reader = await command.ExecuteReaderAsync();
                await reader.ReadAsync();
                var (pending, backlog, outboxPending) = (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
                var outboxSent = sink.Count - mailsBefore;
                await reader.DisposeAsync();
                maxBacklog = Math.Max(maxBacklog, backlog);
                var seconds = (DateTimeOffset.UtcNow - anchor).TotalSeconds;
                samples.Append(CultureInfo.InvariantCulture, $"{seconds:0.0}\t{pending}\t{backlog}\t{outboxPending}\t{outboxSent}\n");
                if (pending == 0 && allFired is null)
                {
                    allFired = cpu.Take();
                    Report.Say($"firing: every timer fired at +{seconds:0.0} s; {Report.N(outboxPending)} mails still to send");
                }

                if (pending == 0 && outboxPending == 0)
                {
                    break;
                }

                if (DateTimeOffset.UtcNow > deadlineAt)
                {
                    rows.Add(new Row("WARNING firing timeout", $"{Report.N(pending)} timers, {Report.N(outboxPending)} mails left", "gave up waiting"));
                    break;
                }

                if ((int)seconds % 30 == 0)
                {
                    Report.Say($"firing: +{seconds:0} s pending {Report.N(pending)} (due, not fired {Report.N(backlog)}), outbox pending {Report.N(outboxPending)}, sent {Report.N(outboxSent)}");
                }

                await Task.Delay(1000);
            }
        }

        var end = cpu.Take();
        await File.WriteAllTextAsync(Path.Combine(outDir, "firing-samples.tsv"), samples.ToString());
        var statements = await Report.StatementsAsync(db, Path.Combine(outDir, "firing-statements.tsv"));

        await using (var connection = new NpgsqlConnection(db))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("""
                WITH t AS (SELECT *, extract(epoch FROM "FiredAt" - "DueAt") * 1000 AS late_ms FROM "Timers" WHERE "Id" <= @max)
                SELECT count(*) FILTER (WHERE "FiredAt" IS NOT NULL),
                       count(*) FILTER (WHERE "State" = 'fired'),
                       count(*) FILTER (WHERE "State" = 'cancelled'),
                       count(*) FILTER (WHERE "State" = 'pending'),
                       count(*) FILTER (WHERE "FiredAt" < "DueAt"),
                       coalesce(min(late_ms), 0),
                       coalesce(percentile_cont(0.50) WITHIN GROUP (ORDER BY late_ms), 0),
                       coalesce(percentile_cont(0.95) WITHIN GROUP (ORDER BY late_ms), 0),
                       coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY late_ms), 0),
                       coalesce(max(late_ms), 0),
                       extract(epoch FROM max("FiredAt") - min("FiredAt")),
                       count(DISTINCT "FiredAt")
                FROM t
                """, connection);
            command.Parameters.AddWithValue("max", maxTimerId);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            var fired = reader.GetInt64(0);
            var early = reader.GetInt64(4);
            var span = reader.IsDBNull(10) ? 0 : Convert.ToDouble(reader.GetValue(10), CultureInfo.InvariantCulture);
            var sweeps = reader.GetInt64(11);
            rows.Add(new Row("timers fired", $"{Report.N(fired)} of {Report.N(options.Timers)}",
                $"{Report.N(reader.GetInt64(1))} fired, {Report.N(reader.GetInt64(2))} cancelled as stale, {Report.N(reader.GetInt64(3))} still pending"));
            rows.Add(new Row("lateness p50", $"{Report.F(reader.GetDouble(6) / 1000, "0.000")} s", "FiredAt - DueAt"));
            rows.Add(new Row("lateness p95", $"{Report.F(reader.GetDouble(7) / 1000, "0.000")} s"));
            rows.Add(new Row("lateness p99", $"{Report.F(reader.GetDouble(8) / 1000, "0.000")} s"));
            rows.Add(new Row("lateness max", $"{Report.F(reader.GetDouble(9) / 1000, "0.000")} s", $"due over {options.Window.TotalSeconds:0} s"));
            rows.Add(new Row("fired before due (FiredAt < DueAt)", Report.N(early),
                early == 0 ? "none" : $"earliest {Report.F(-reader.GetDouble(5), "0.0")} ms before: FiredAt is the app's clock read before the claim, due is the database clock at the claim"));
            rows.Add(new Row("firing rate", $"{Report.F(span > 0 ? fired / span : 0, "0")} timers/s",
                $"{Report.N(fired)} over {Report.F(span)} s from first to last FiredAt, in {Report.N(sweeps)} batches; most due-but-unfired at once {Report.N(maxBacklog)}"));
            await reader.DisposeAsync();

            await using var twice = new NpgsqlCommand("""
                SELECT (SELECT count(*) FROM (SELECT "RequestId" FROM "Outbox" WHERE "Kind" IN ('reminder', 'escalation')
                                              GROUP BY "RequestId" HAVING count(*) > 1) d),
                       (SELECT count(*) FROM (SELECT "RequestId" FROM "AuditEntries" WHERE "Action" = 'escalated'
                                              GROUP BY "RequestId" HAVING count(*) > 1) e),
                       (SELECT count(*) FROM "Outbox" WHERE "Kind" IN ('reminder', 'escalation')),
                       (SELECT count(*) FROM "Outbox" WHERE "State" = 'sent'),
                       (SELECT extract(epoch FROM max("SentAt") - min("SentAt")) FROM "Outbox" WHERE "State" = 'sent'),
                       (SELECT count(*) FROM "Outbox" WHERE "State" <> 'sent'),
                       (SELECT count(*) FROM "Timers" WHERE "Id" > @max AND "State" = 'pending' AND "Kind" = 'escalation'),
                       (SELECT count(*) FROM "Timers" WHERE "Id" > @max AND "State" = 'pending' AND "Kind" <> 'escalation')
                """, connection);
            twice.Parameters.AddWithValue("max", maxTimerId);
            await using var check = await twice.ExecuteReaderAsync();
            await check.ReadAsync();
            var twiceMails = check.GetInt64(0);
            var twiceAudit = check.GetInt64(1);
            rows.Add(new Row("fired twice", Report.N(twiceMails + twiceAudit),
                $"requests with >1 reminder/escalation mail: {Report.N(twiceMails)}; with >1 escalation audit entry: {Report.N(twiceAudit)}; " +
                $"Message-Ids received twice: {(sink.Duplicates is { } duplicates ? Report.N(duplicates) : "not kept")}; next escalations set: {Report.N(check.GetInt64(6))}; next reminders or deadlines set by reminders: {Report.N(check.GetInt64(7))}"));
            var sent = check.GetInt64(3);
            var drainSpan = check.IsDBNull(4) ? 0 : Convert.ToDouble(check.GetValue(4), CultureInfo.InvariantCulture);
            rows.Add(new Row("outbox drain rate", $"{Report.F(drainSpan > 0 ? sent / drainSpan : 0, "0")} mails/s",
                $"{Report.N(sent)} sent over {Report.F(drainSpan)} s (first to last SentAt), {Report.N(check.GetInt64(5))} not sent; {sink.Name} received {Report.N(sink.Count - mailsBefore)}"));
        }

        var firing = CpuMeter.Between(start, allFired ?? end);
        rows.Add(new Row("CPU while firing", $"{Report.F(firing.MachineCores, "0.00")} cores", firing.ToString()));
        if (allFired is { } fired2)
        {
            var draining = CpuMeter.Between(fired2, end);
            if (draining.Seconds > 2)
            {
                rows.Add(new Row("CPU while only draining", $"{Report.F(draining.MachineCores, "0.00")} cores", $"{Report.F(draining.Seconds)} s: {draining}"));
            }
        }

        var claim = statements.FirstOrDefault(s => s.Query.Contains("SKIP LOCKED", StringComparison.Ordinal) && s.Query.Contains("\"Timers\"", StringComparison.Ordinal));
        if (claim.Calls > 0)
        {
            var total = statements.Sum(s => s.TotalMs);
            rows.Add(new Row("claim query in PostgreSQL", $"{Report.F(claim.MeanMs, "0.00")} ms mean",
                $"{Report.N(claim.Calls)} calls, {Report.F(claim.TotalMs / 1000)} s = {Report.F(100 * claim.TotalMs / Math.Max(total, 1))}% of all statement time"));
            var top = statements.Take(3).Select(s => $"{Report.F(100 * s.TotalMs / Math.Max(total, 1), "0")}% {Abbreviate(s.Query)} ({Report.N(s.Calls)} calls)");
            rows.Add(new Row("top statements while firing", $"{Report.F(total / 1000)} s total", string.Join("; ", top)));
        }

        return rows;
    }

    /// <summary>
    /// Request <paramref name="i"/>'s one pending timer, due at <paramref name="at"/>: four reminders (the step entered a
    /// day before, its deadline a day after), then four deadlines (entered two days before), and so on.
    /// </summary>
    public static (DateTimeOffset EnteredAt, DateTimeOffset DueAt, IReadOnlyList<SeedTimer> Timers) DueTimer(int i, DateTimeOffset at)
    {
        var due = Seeder.Micro(at);
        var deadline = (i / 4) % 2 == 1;
        var entered = Seeder.Micro(due - (deadline ? TimeSpan.FromDays(2) : TimeSpan.FromDays(1)));
        return (entered, deadline ? due : entered + TimeSpan.FromDays(2),
            [new SeedTimer(deadline ? TimerKinds.Deadline : TimerKinds.Reminder, due)]);
    }

    private static string Abbreviate(string query) => query.Length > 60 ? query[..60] + "…" : query;

    /// <summary>Median execution time of five EXPLAIN ANALYZE runs of a claim, nothing due, rolled back.</summary>
    private static async Task<double> ExplainClaimAsync(string db, string claim, string file)
    {
        var times = new List<double>();
        var plan = new StringBuilder();
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        for (var run = 0; run < 5; run++)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            await using var command = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS) " + claim, connection, transaction)
            {
                Parameters =
                {
                    new NpgsqlParameter { Value = true },
                    new NpgsqlParameter { Value = DateTime.UtcNow },
                    new NpgsqlParameter { Value = 500 },
                },
            };
            await using (var reader = await command.ExecuteReaderAsync())
            {
                plan.Clear();
                while (await reader.ReadAsync())
                {
                    var line = reader.GetString(0);
                    plan.AppendLine(line);
                    if (line.StartsWith("Execution Time:", StringComparison.Ordinal))
                    {
                        times.Add(double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2], CultureInfo.InvariantCulture));
                    }
                }
            }

            await transaction.RollbackAsync();
        }

        await File.WriteAllTextAsync(file, claim + "\n\n" + plan);
        times.Sort();
        return times[times.Count / 2];
    }
}
