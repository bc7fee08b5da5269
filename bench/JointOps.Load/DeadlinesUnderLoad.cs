using System.Diagnostics;
using System.Globalization;
using JointOps.Deadlines.Bench;
using Npgsql;

namespace JointOps.Load;

/// <summary>
/// Deadlines at a million pending timers while decisions run. Tops the pending timers up to the target with timers of
/// running requests due weeks ahead (the claim must walk past none of them), seeds requests whose one timer each falls
/// due during a decisions run (reminders and deadlines alternately, as the firing run), runs the decisions, waits for
/// every seeded timer to fire, and reads how late each did and whether any fired twice.
/// </summary>
public static class DeadlinesUnderLoad
{
    public static async Task<List<Row>> RunAsync(string db, string calendars, int pendingTarget, double dueRate, TimeSpan warmup,
        TimeSpan duration, Func<Task<(LoadResult Result, CpuMeter.Usage Cpu)>> decide)
    {
        var rows = new List<Row>();
        var pending = await ScalarAsync(db, """SELECT count(*) FROM "Timers" WHERE "State" = 'pending'""");
        if (pending < pendingTarget)
        {
            Report.Say($"deadlines: topping {Report.N(pending)} pending timers up to {Report.N(pendingTarget)}, due weeks ahead");
            var clock = Stopwatch.StartNew();
            await TopUpAsync(db, pendingTarget - (int)pending);
            rows.Add(new Row("seed: pending timers due weeks ahead", $"{Report.F(clock.Elapsed.TotalSeconds)} s",
                $"+{Report.N(pendingTarget - pending)} on running requests (INSERT … SELECT)"));
            pending = await ScalarAsync(db, """SELECT count(*) FROM "Timers" WHERE "State" = 'pending'""");
        }

        // Due uniformly over the middle 80% of the decisions run (warm-up and measured window alike).
        var run = warmup + duration;
        var window = run * 0.8;
        var count = (int)Math.Ceiling(dueRate * window.TotalSeconds);
        var minTimerId = await ScalarAsync(db, """SELECT coalesce(max("Id"), 0) FROM "Timers" """);
        var seeder = await Seeder.LoadAsync(db, calendars);
        var random = new Random(20261125);
        var lead = TimeSpan.FromSeconds(10);
        var anchor = DateTimeOffset.UtcNow + lead;
        var offsets = Enumerable.Range(0, count).Select(_ => random.NextDouble() * window.TotalSeconds).ToArray();
        Report.Say($"deadlines: seeding {Report.N(count)} requests with a timer due during the decisions run, beside {Report.N(pending)} pending");
        var first = (int)await ScalarAsync(db, """SELECT count(*) FROM "Requests" WHERE "Reference" LIKE '%-B%'""");
        var (ids, maxTimerId) = await seeder.SeedAsync(first, count,
            i => FiringBench.DueTimer(i, anchor + TimeSpan.FromSeconds(offsets[i - first])));

        var wait = anchor - run * 0.1 - DateTimeOffset.UtcNow;
        if (wait < TimeSpan.Zero)
        {
            rows.Add(new Row("WARNING seed slower than its lead", $"{Report.F(-wait.TotalSeconds)} s", "early timers were due before the decisions began"));
        }
        else
        {
            await Task.Delay(wait);
        }

        Report.Say("deadlines: decisions while the timers fall due");
        var (decisions, cpu) = await decide();
        rows.Add(new Row("decisions/s over HTTP while timers fire", Report.F(decisions.Throughput("decide"), "0"),
            $"{decisions.Operations.GetValueOrDefault("decide")?.Latencies ?? "no successes"}; {Report.N(decisions.Errors)} errors; {cpu}"));

        // Whatever was due and not yet fired when the decisions stopped fires now.
        var stillPending = 0L;
        for (var give = Stopwatch.StartNew(); give.Elapsed < TimeSpan.FromSeconds(120); await Task.Delay(500))
        {
            stillPending = await ScalarAsync(db, $"""
                SELECT count(*) FROM "Timers" WHERE "Id" > {minTimerId} AND "Id" <= {maxTimerId} AND "State" = 'pending' AND "RequestId" = ANY(@ids)
                """, ids);
            if (stillPending == 0)
            {
                break;
            }
        }

        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand("""
            WITH t AS (SELECT *, extract(epoch FROM "FiredAt" - "DueAt") AS late FROM "Timers"
                       WHERE "Id" > @min AND "Id" <= @max AND "RequestId" = ANY(@ids))
            SELECT count(*) FILTER (WHERE "State" = 'fired'),
                   coalesce(percentile_cont(0.50) WITHIN GROUP (ORDER BY late), 0),
                   coalesce(percentile_cont(0.95) WITHIN GROUP (ORDER BY late), 0),
                   coalesce(percentile_cont(0.99) WITHIN GROUP (ORDER BY late), 0),
                   coalesce(max(late), 0),
                   count(*) FILTER (WHERE "FiredAt" < "DueAt")
            FROM t
            """, connection))
        {
            command.Parameters.AddWithValue("min", minTimerId);
            command.Parameters.AddWithValue("max", maxTimerId);
            command.Parameters.AddWithValue("ids", ids);
            await using var reader = await command.ExecuteReaderAsync();
            await reader.ReadAsync();
            var p99 = reader.GetDouble(3);
            rows.Add(new Row($"lateness p99, {Report.N(pending)} pending, decisions running", $"{Report.F(p99, "0.000")} s",
                string.Create(CultureInfo.InvariantCulture, $"p50 {Report.F(reader.GetDouble(1), "0.000")} s, p95 {Report.F(reader.GetDouble(2), "0.000")} s, max {Report.F(reader.GetDouble(4), "0.000")} s; ") +
                $"{Report.N(reader.GetInt64(0))} of {Report.N(count)} fired ({Report.N(stillPending)} still pending), {Report.N(reader.GetInt64(5))} before due; " +
                $"due at {Report.F(dueRate, "0")}/s over {Report.F(window.TotalSeconds, "0")} s; goal p99 < 2 s"));
        }

        await using (var twice = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM (SELECT "RequestId" FROM "Outbox", jsonb_array_elements("Recipients"::jsonb) AS r
                                          WHERE "RequestId" = ANY(@ids) AND "Kind" IN ('reminder', 'escalation')
                                          GROUP BY "RequestId", r->>'email' HAVING count(*) > 1) d),
                   (SELECT count(*) FROM (SELECT "RequestId" FROM "AuditEntries" WHERE "RequestId" = ANY(@ids) AND "Action" = 'escalated'
                                          GROUP BY "RequestId" HAVING count(*) > 1) e)
            """, connection))
        {
            twice.Parameters.AddWithValue("ids", ids);
            await using var check = await twice.ExecuteReaderAsync();
            await check.ReadAsync();
            rows.Add(new Row("fired twice while decisions ran", Report.N(check.GetInt64(0) + check.GetInt64(1)),
                $"requests mailing one address >1 reminder/escalation: {Report.N(check.GetInt64(0))}; with >1 escalation audit entry: {Report.N(check.GetInt64(1))}"));
        }

        return rows;
    }

    // Timers of running requests' current steps, due 30 to 60 days ahead: never due during the run.
    private static async Task TopUpAsync(string db, int missing)
    {
        var running = Math.Min(50_000, await ScalarAsync(db, """SELECT count(*) FROM "Requests" WHERE "Status" = 'in-progress'"""));
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        const int Chunk = 200_000;
        for (var done = 0; done < missing; done += Chunk)
        {
            await using var command = new NpgsqlCommand("""
                INSERT INTO "Timers" ("RequestId", "Step", "StepEnteredAt", "Kind", "DueAt", "State")
                SELECT r."Id", r."Step", r."StepEnteredAt", 'reminder', now() + interval '30 days' + random() * interval '30 days', 'pending'
                FROM (SELECT "Id", "Step", "StepEnteredAt" FROM "Requests" WHERE "Status" = 'in-progress' LIMIT 50000) r
                CROSS JOIN generate_series(1, @each) g
                LIMIT @count
                """, connection) { CommandTimeout = 600 };
            var count = Math.Min(Chunk, missing - done);
            command.Parameters.AddWithValue("each", (int)((count + running - 1) / Math.Max(1, running)));
            command.Parameters.AddWithValue("count", count);
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>A count; <paramref name="ids"/>, when given, is the statement's @ids.</summary>
    private static async Task<long> ScalarAsync(string db, string sql, Guid[]? ids = null)
    {
        await using var connection = new NpgsqlConnection(db);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
        if (ids is not null)
        {
            command.Parameters.AddWithValue("ids", ids);
        }

        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }
}
