using Npgsql;

namespace JointOps.Server.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster of one test's own, from the installed binaries, that the test may stop and start
/// again (on the same port, so connection strings stay valid) without disturbing the shared server other tests use.
/// Removed when disposed, or after the test process ends.
/// </summary>
public sealed class PostgresCluster : IAsyncDisposable
{
    private readonly string _bin;
    private readonly string _root;
    private readonly bool _asPostgres;
    private bool _frozen;

    private PostgresCluster(string bin, string root, bool asPostgres, int port)
    {
        _bin = bin;
        _root = root;
        _asPostgres = asPostgres;
        Port = port;
    }

    public int Port { get; }

    /// <summary>A folder the cluster's tools may write to (a dump file, say).</summary>
    public string ScratchDirectory => Path.Combine(_root, "scratch");

    /// <summary>A superuser connection string to the "postgres" database.</summary>
    public string AdminConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = Port,
        Username = "postgres",
        Database = "postgres",
        IncludeErrorDetail = true,
    }.ConnectionString;

    private string Data => Path.Combine(_root, "data");

    private string Log => Path.Combine(_root, "server.log");

    /// <summary>Creates and starts a cluster; fails (never skips) saying what is missing.</summary>
    public static async Task<PostgresCluster> StartAsync()
    {
        var bin = await PostgresServer.FindBinDirectoryAsync()
            ?? throw new InvalidOperationException(
                "A test that stops and starts PostgreSQL needs initdb and pg_ctl (Debian/Ubuntu: sudo apt-get install -y postgresql).");

        // initdb and pg_ctl refuse to run as root.
        var asPostgres = Environment.IsPrivilegedProcess;
        await PostgresServer.RemoveStaleClustersAsync(bin, asPostgres);
        var root = Path.Combine(Path.GetTempPath(), $"{PostgresServer.ClusterFolderPrefix}{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        var sockets = Path.Combine(root, "socket");
        Directory.CreateDirectory(sockets);
        Directory.CreateDirectory(Path.Combine(root, "scratch"));
        var cluster = new PostgresCluster(bin, root, asPostgres, PostgresServer.FreeLoopbackPort());
        try
        {
            if (asPostgres)
            {
                await cluster.RunAsync("chown", ["-R", "postgres:postgres", root], tool: false);
            }

            await cluster.RunToolAsync("initdb",
                ["-D", cluster.Data, "--auth=trust", "--username=postgres", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"]);
            string[] settings =
            [
                "",
                "listen_addresses = '127.0.0.1'",
                $"port = {cluster.Port}",
                $"unix_socket_directories = '{sockets.Replace("'", "''", StringComparison.Ordinal)}'",
                .. PostgresServer.TestSettings.Split(' ').Select(setting => setting.Replace("=", " = ", StringComparison.Ordinal)),
                "max_connections = 100",
                "",
            ];
            await File.AppendAllTextAsync(Path.Combine(cluster.Data, "postgresql.conf"), string.Join('\n', settings));
            PostgresServer.CleanUpAfterExit(
                $"{(asPostgres ? "runuser -u postgres -- " : "")}{PostgresServer.Quote(Path.Combine(bin, "pg_ctl"))} stop -D {PostgresServer.Quote(cluster.Data)} -m immediate; " +
                $"rm -rf {PostgresServer.Quote(root)}");
            await cluster.StartServerAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the stopped server on its port and waits until it accepts connections.</summary>
    public Task StartServerAsync() => RunToolAsync("pg_ctl", ["start", "-D", Data, "-l", Log, "-w", "-t", "60"]);

    /// <summary>Stops the server: "fast" ends every session and shuts down cleanly, "immediate" is a crash.</summary>
    public Task StopServerAsync(string mode = "fast") => RunToolAsync("pg_ctl", ["stop", "-D", Data, "-m", mode, "-w", "-t", "60"]);

    /// <summary>
    /// Stops every process of the server (SIGSTOP) without closing a connection: a database that hangs, as behind a
    /// network partition, rather than one that refuses. <see cref="ThawAsync"/> lets it go on.
    /// </summary>
    public async Task FreezeAsync()
    {
        _frozen = true;
        await SignalAsync("-STOP");
    }

    public async Task ThawAsync()
    {
        await SignalAsync("-CONT");
        _frozen = false;
    }

    /// <summary>Creates a database and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Runs one of the cluster's binaries (pg_dump, pg_restore, ...) as the cluster's owner; throws with its output on failure.</summary>
    public Task<string> RunToolAsync(string tool, IReadOnlyList<string> arguments) => RunAsync(tool, arguments, tool: true);

    public async ValueTask DisposeAsync()
    {
        if (_frozen)
        {
            // A stopped process would not stop.
            await ThawAsync();
        }

        if (File.Exists(Path.Combine(Data, "postmaster.pid")))
        {
            await PostgresServer.RunToolAsync(_bin, "pg_ctl", ["stop", "-D", Data, "-m", "immediate"], _asPostgres, TimeSpan.FromSeconds(30));
        }

        PostgresServer.DeleteFolder(_root);
    }

    // The postmaster (from its pid file) and its children (from /proc): only this cluster's processes are signalled.
    private async Task SignalAsync(string signal)
    {
        var postmaster = int.Parse(File.ReadLines(Path.Combine(Data, "postmaster.pid")).First(), System.Globalization.CultureInfo.InvariantCulture);
        var processes = new List<int> { postmaster };
        foreach (var stat in Directory.EnumerateDirectories("/proc").Select(d => Path.Combine(d, "stat")))
        {
            try
            {
                // "pid (name) state ppid ...": the name may hold spaces, so read after its closing parenthesis.
                var text = await File.ReadAllTextAsync(stat);
                var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
                if (int.Parse(fields[1], System.Globalization.CultureInfo.InvariantCulture) == postmaster)
                {
                    processes.Add(int.Parse(text[..text.IndexOf(' ', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
            {
                // A process that ended meanwhile, or not a process folder.
            }
        }

        await RunAsync("kill", [signal, .. processes.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture))], tool: false);
    }

    private async Task<string> RunAsync(string name, IReadOnlyList<string> arguments, bool tool)
    {
        var result = tool
            ? await PostgresServer.RunToolAsync(_bin, name, arguments, _asPostgres, TimeSpan.FromSeconds(90))
            : await PostgresServer.RunAsync(name, arguments, TimeSpan.FromSeconds(30));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"{name} {string.Join(' ', arguments)} failed (exit {result.ExitCode}): {result.Output}\n{PostgresServer.ReadTail(Log)}");
        }

        return result.Output;
    }
}
