using System.Globalization;
using System.Text;
using Npgsql;

namespace JointOps.Deadlines.Bench;

/// <summary>One line of the final table.</summary>
public sealed record Row(string Measure, string Value, string Note = "");

public static class Report
{
    public static string F(double value, string format = "0.0") => value.ToString(format, CultureInfo.InvariantCulture);

    public static string N(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    public static string Table(IEnumerable<Row> rows)
    {
        var list = rows.ToList();
        var w0 = Math.Max("measure".Length, list.Max(r => r.Measure.Length));
        var w1 = Math.Max("value".Length, list.Max(r => r.Value.Length));
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"| {"measure".PadRight(w0)} | {"value".PadLeft(w1)} | note");
        text.AppendLine(CultureInfo.InvariantCulture, $"|{new string('-', w0 + 2)}|{new string('-', w1 + 1)}:|-----");
        foreach (var row in list)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"| {row.Measure.PadRight(w0)} | {row.Value.PadLeft(w1)} | {row.Note}");
        }

        return text.ToString();
    }

    public static void Say(string message) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{DateTime.Now:HH:mm:ss}] {message}"));

    /// <summary>Forgets the statistics of every statement so far (all databases; called in one that has the extension).</summary>
    public static async Task ResetStatementsAsync(string connectionString)
    {
        try
        {
            await Postgres.ExecuteAsync(connectionString, "SELECT pg_stat_statements_reset()");
        }
        catch (PostgresException)
        {
            // pg_stat_statements is not loaded.
        }
    }

    /// <summary>The statements of this database since the last reset, most time first, written to a file.</summary>
    public static async Task<List<(string Query, long Calls, double TotalMs, double MeanMs, long Rows)>> StatementsAsync(string connectionString, string file)
    {
        var result = new List<(string, long, double, double, long)>();
        try
        {
            await using var connection = new NpgsqlConnection(connectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("""
                SELECT regexp_replace(query, '\s+', ' ', 'g'), calls, total_exec_time, mean_exec_time, rows
                FROM pg_stat_statements
                WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
                ORDER BY total_exec_time DESC
                """, connection);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                result.Add((reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetInt64(4)));
            }
        }
        catch (PostgresException)
        {
            return result;
        }

        var text = new StringBuilder();
        text.AppendLine("calls\ttotal_ms\tmean_ms\trows\tquery");
        foreach (var (query, calls, total, mean, rows) in result)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"{calls}\t{total:0.0}\t{mean:0.000}\t{rows}\t{(query.Length > 400 ? query[..400] + "..." : query)}");
        }

        await File.WriteAllTextAsync(file, text.ToString());
        return result;
    }
}
