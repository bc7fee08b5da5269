using Npgsql;

namespace JointOps.Server.Tests.Infrastructure;

public sealed class PostgresServerTests
{
    [Fact]
    public async Task A_created_database_accepts_connections_and_is_gone_once_dropped()
    {
        var connectionString = await PostgresServer.CreateDatabaseAsync("postgres_server_tests");
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;

        await using (var connection = new NpgsqlConnection(connectionString))
        {
            await connection.OpenAsync();
            Assert.Equal(name, await ScalarAsync(connection, "SELECT current_database()"));
            await ScalarAsync(connection, "CREATE TABLE probe (id int); INSERT INTO probe VALUES (42)");
            Assert.Equal(42, await ScalarAsync(connection, "SELECT id FROM probe"));
        }

        await PostgresServer.DropDatabaseAsync(connectionString);

        await using var admin = new NpgsqlConnection(await PostgresServer.GetAdminConnectionStringAsync());
        await admin.OpenAsync();
        await using var exists = new NpgsqlCommand("SELECT count(*) FROM pg_database WHERE datname = @name", admin);
        exists.Parameters.AddWithValue("name", name!);
        Assert.Equal(0L, await exists.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Databases_created_in_parallel_are_distinct()
    {
        var created = await Task.WhenAll(
            PostgresServer.CreateDatabaseAsync("parallel"),
            PostgresServer.CreateDatabaseAsync("parallel"));
        try
        {
            await using var first = new NpgsqlConnection(created[0]);
            await using var second = new NpgsqlConnection(created[1]);
            await Task.WhenAll(first.OpenAsync(), second.OpenAsync());

            Assert.NotEqual(await ScalarAsync(first, "SELECT current_database()"), await ScalarAsync(second, "SELECT current_database()"));
            await ScalarAsync(first, "CREATE TABLE only_in_first (id int)");
            Assert.Null(await ScalarAsync(second, "SELECT to_regclass('only_in_first')::text"));
        }
        finally
        {
            await Task.WhenAll(created.Select(connectionString => PostgresServer.DropDatabaseAsync(connectionString)));
        }
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }
}
