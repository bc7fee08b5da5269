using System.Data.Common;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using JointOps.Server.Persistence;
using JointOps.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace JointOps.Server.Tests.Properties;

/// <summary>
/// Every table of the model, row by row, reduced to a count and a SHA-256 per table: equal snapshots mean nothing changed.
/// </summary>
public sealed record DatabaseSnapshot(IReadOnlyDictionary<string, (int Rows, string Hash)> Tables)
{
    // The mail loop updates its rows in place (attempts, state) whenever it runs; a request may only add rows there.
    private static readonly HashSet<string> CountedOnly = ["Outbox"];

    public static async Task<DatabaseSnapshot> TakeAsync(AppFixture app)
    {
        await using var scope = app.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JointOpsDbContext>();
        var tables = db.Model.GetEntityTypes().Select(e => e.GetTableName()).OfType<string>().Distinct().Order(StringComparer.Ordinal).ToList();
        var connection = db.Database.GetDbConnection();
        await connection.OpenAsync();
        try
        {
            var result = new SortedDictionary<string, (int, string)>(StringComparer.Ordinal);
            foreach (var table in tables)
            {
                var (rows, hash) = await HashAsync(connection, table);
                result[table] = (rows, CountedOnly.Contains(table) ? "" : hash);
            }

            return new DatabaseSnapshot(result);
        }
        finally
        {
            await connection.CloseAsync();
        }
    }

    /// <summary>The tables that differ, with their row counts before and after.</summary>
    public string Difference(DatabaseSnapshot after) => string.Join("; ", Tables
        .Where(t => !after.Tables.TryGetValue(t.Key, out var other) || other != t.Value)
        .Select(t => $"{t.Key}: {t.Value.Rows} rows before, {(after.Tables.TryGetValue(t.Key, out var other) ? other.Rows : 0)} after"));

    public bool SameAs(DatabaseSnapshot other) => Difference(other).Length == 0;

    private static async Task<(int, string)> HashAsync(DbConnection connection, string table)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = $"SELECT * FROM \"{table}\"";
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<string>();
        while (await reader.ReadAsync())
        {
            var row = new StringBuilder();
            for (var i = 0; i < reader.FieldCount; i++)
            {
                var value = reader.GetValue(i);
                row.Append(value switch
                {
                    byte[] bytes => Convert.ToBase64String(bytes),
                    IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
                    _ => value.ToString(),
                }).Append('\u001f');
            }

            rows.Add(row.ToString());
        }

        // Row order without ORDER BY is the database's choice; sorting makes the hash depend on content only.
        rows.Sort(StringComparer.Ordinal);
        return (rows.Count, Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\u001e', rows)))));
    }
}
