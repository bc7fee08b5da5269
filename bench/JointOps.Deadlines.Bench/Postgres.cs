using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace JointOps.Deadlines.Bench;

/// <summary>
/// The PostgreSQL the benchmark runs on: the server named by JOINTOPS_BENCH_POSTGRES (a role with CREATEDB), or a
/// throwaway cluster from the installed binaries, durable (fsync and synchronous commit on, as in production), with
/// pg_stat_statements loaded, on 127.0.0.1 only, removed at the end.
/// </summary>
public sealed class Postgres : IAsyncDisposable
{
    public const string ConnectionStringVariable = "JOINTOPS_BENCH_POSTGRES";

    private static readonly string[] ClusterSettings =
    [
        "listen_addresses = '127.0.0.1'",
        "max_connections = 300",
        "shared_buffers = 1GB",
        "max_wal_size = 8GB",
        "shared_preload_libraries = 'pg_stat_statements'",
        "pg_stat_statements.max = 2000",
        "track_io_timing = on",
        "log_checkpoints = on",
    ];

    private readonly string? _root;
    private readonly bool _asPostgres;
    private readonly List<string> _databases = [];

    private Postgres(string adminConnectionString, string? bin, string? root, bool asPostgres, int? postmasterPid, string description)
    {
        AdminConnectionString = adminConnectionString;
        Bin = bin;
        _root = root;
        _asPostgres = asPostgres;
        PostmasterPid = postmasterPid;
        Description = description;
    }

    public string AdminConnectionString { get; }

    /// <summary>The folder of pgbench and friends, when PostgreSQL's binaries are installed here.</summary>
    public string? Bin { get; }

    /// <summary>The throwaway cluster's postmaster, whose processes' CPU the benchmark reads; null for a configured server.</summary>
    public int? PostmasterPid { get; }

    public string Description { get; }

    public string Version { get; private set; } = "";

    /// <param name="configured">An existing server's connection string; else JOINTOPS_BENCH_POSTGRES, else a throwaway cluster.</param>
    public static async Task<Postgres> StartAsync(string outDir, string? configured = null)
    {
        var bin = await FindBinDirectoryAsync();
        configured ??= Environment.GetEnvironmentVariable(ConnectionStringVariable);
        Postgres postgres;
        if (!string.IsNullOrWhiteSpace(configured))
        {
            var builder = new NpgsqlConnectionStringBuilder(configured);
            postgres = new Postgres(builder.ConnectionString, bin, null, false, null, $"{ConnectionStringVariable} ({builder.Host}:{builder.Port})");
        }
        else
        {
            if (bin is null)
            {
                throw new InvalidOperationException(
                    $"No PostgreSQL binaries (initdb, pg_ctl) found: apt-get install postgresql, or set {ConnectionStringVariable}.");
            }

            postgres = await StartClusterAsync(bin, outDir);
        }

        await using var connection = new NpgsqlConnection(postgres.AdminConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SHOW server_version", connection);
        postgres.Version = (string)(await command.ExecuteScalarAsync())!;
        return postgres;
    }

    /// <summary>A fresh database; dropped when the benchmark ends.</summary>
    public async Task<string> CreateDatabaseAsync(string prefix)
    {
        var name = $"{prefix}_{Guid.NewGuid().ToString("N")[..8]}";
        await ExecuteAsync(AdminConnectionString, $"CREATE DATABASE \"{name}\"");
        _databases.Add(name);
        var connectionString = new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
        try
        {
            await ExecuteAsync(connectionString, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        }
        catch (PostgresException)
        {
            // Not loaded on a configured server: the figures stay, the statement breakdown is missing.
        }

        return connectionString;
    }

    public static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_root is null)
        {
            foreach (var name in _databases)
            {
                try
                {
                    await ExecuteAsync(AdminConnectionString, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)");
                }
                catch (NpgsqlException)
                {
                    // Best effort: the configured server may be gone.
                }
            }

            return;
        }

        StopCluster();
    }

    private void StopCluster()
    {
        if (_root is null || !Directory.Exists(_root))
        {
            return;
        }

        if (File.Exists(Path.Combine(_root, "data", "postmaster.pid")))
        {
            RunToolAsync(Bin!, "pg_ctl", ["stop", "-D", Path.Combine(_root, "data"), "-m", "fast", "-t", "60"], _asPostgres).GetAwaiter().GetResult();
        }

        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // Left in the temporary folder.
        }
    }

    private static async Task<Postgres> StartClusterAsync(string bin, string outDir)
    {
        // initdb and pg_ctl refuse to run as root.
        var asPostgres = Environment.IsPrivilegedProcess;
        var root = Path.Combine(Path.GetTempPath(), $"jointops-bench-pg-{Environment.ProcessId}");
        var data = Path.Combine(root, "data");
        var sockets = Path.Combine(root, "socket");
        Directory.CreateDirectory(sockets);
        if (asPostgres)
        {
            await RunAsync("chown", ["-R", "postgres:postgres", root]);
        }

        await RunToolAsync(bin, "initdb", ["-D", data, "--auth=trust", "--username=postgres", "--encoding=UTF8", "--locale=C", "--no-instructions"], asPostgres);
        string[] settings = ["", "# jointops benchmark: loopback only, durable", .. ClusterSettings, $"unix_socket_directories = '{sockets}'", ""];
        await File.AppendAllTextAsync(Path.Combine(data, "postgresql.conf"), string.Join('\n', settings));

        var port = FreeLoopbackPort();
        var log = Path.Combine(outDir, "postgres.log");
        if (asPostgres)
        {
            await File.WriteAllTextAsync(log, "");
            await RunAsync("chown", ["postgres:postgres", log]);
        }

        await RunToolAsync(bin, "pg_ctl", ["start", "-D", data, "-l", log, "-w", "-t", "60", "-o", $"-p {port}"], asPostgres);
        var pid = int.Parse((await File.ReadAllLinesAsync(Path.Combine(data, "postmaster.pid")))[0], System.Globalization.CultureInfo.InvariantCulture);
        var connectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1",
            Port = port,
            Username = "postgres",
            Database = "postgres",
            IncludeErrorDetail = true,
        }.ConnectionString;
        var postgres = new Postgres(connectionString, bin, root, asPostgres, pid, $"throwaway cluster from {bin}, port {port}");

        // Stopped and removed also when the benchmark is interrupted (SIGTERM, Ctrl-C runs ProcessExit too).
        AppDomain.CurrentDomain.ProcessExit += (_, _) => postgres.StopCluster();
        return postgres;
    }

    private static async Task<string?> FindBinDirectoryAsync()
    {
        var candidates = new List<string>();
        try
        {
            var (code, output) = await RunAsync("pg_config", ["--bindir"], check: false);
            if (code == 0)
            {
                candidates.Add(output.Trim());
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No pg_config on PATH.
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.EnumerateDirectories("/usr/lib/postgresql")
                .OrderByDescending(d => int.TryParse(Path.GetFileName(d), out var v) ? v : -1)
                .Select(d => Path.Combine(d, "bin")));
        }

        return candidates.FirstOrDefault(d => File.Exists(Path.Combine(d, "initdb")) && File.Exists(Path.Combine(d, "pgbench")));
    }

    public static Task<(int ExitCode, string Output)> RunToolAsync(string bin, string tool, IReadOnlyList<string> arguments, bool asPostgres) =>
        asPostgres
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(bin, tool), .. arguments])
            : RunAsync(Path.Combine(bin, tool), arguments);

    public static async Task<(int ExitCode, string Output)> RunAsync(string fileName, IReadOnlyList<string> arguments,
        IReadOnlyDictionary<string, string>? environment = null, bool check = true)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }

        using var process = Process.Start(startInfo)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var text = ((await output) + (await error)).Trim();
        if (check && process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} failed (exit {process.ExitCode}): {text}");
        }

        return (process.ExitCode, text);
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
