using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace JointOps.Server.Tests.Infrastructure;

/// <summary>
/// The PostgreSQL server shared by every test in this process, found or started on first use, in this order:
/// the connection string in JOINTOPS_TEST_POSTGRES; a throwaway cluster from the installed PostgreSQL binaries;
/// a Docker container. When none is available every test that needs it fails (never skips) saying what to install.
/// </summary>
public static class PostgresServer
{
    public const string ConnectionStringVariable = "JOINTOPS_TEST_POSTGRES";

    private const string DockerImage = "postgres:15";
    internal const string ClusterFolderPrefix = "jointops-pg-";
    internal const string TestSettings = "fsync=off synchronous_commit=off full_page_writes=off max_connections=300 shared_buffers=128MB";

    // A failed start stays failed: every test then reports the same cause at once instead of retrying initdb.
    private static readonly Lazy<Task<string>> AdminConnectionString =
        new(() => Task.Run(StartAsync), LazyThreadSafetyMode.ExecutionAndPublication);

    private static readonly ConcurrentDictionary<string, byte> CreatedDatabases = new();

    /// <summary>A connection string for a superuser, or a role with CREATEDB, on the shared server.</summary>
    public static Task<string> GetAdminConnectionStringAsync(CancellationToken cancellationToken = default) =>
        AdminConnectionString.Value.WaitAsync(cancellationToken);

    /// <summary>Creates a fresh, uniquely named database and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var admin = await GetAdminConnectionStringAsync(cancellationToken);

        // Identifiers are at most 63 bytes: 30 for the prefix, 1 underscore, 32 for the Guid.
        var cleaned = new string(prefix.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '_').ToArray());
        if (cleaned.Length == 0 || char.IsAsciiDigit(cleaned[0]))
        {
            cleaned = "db_" + cleaned;
        }

        var name = $"{cleaned[..Math.Min(cleaned.Length, 30)]}_{Guid.NewGuid():N}";
        CreatedDatabases.TryAdd(name, 0);
        await ExecuteAsync(admin, $"CREATE DATABASE \"{name}\"", cancellationToken);

        return new NpgsqlConnectionStringBuilder(admin) { Database = name, IncludeErrorDetail = true }.ConnectionString;
    }

    /// <summary>Drops a database made by <see cref="CreateDatabaseAsync"/>, closing its connections first.</summary>
    public static async Task DropDatabaseAsync(string connectionString, CancellationToken cancellationToken = default)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;

        // JOINTOPS_TEST_POSTGRES may point at a shared server: drop only what this process created.
        if (name is null || !CreatedDatabases.ContainsKey(name))
        {
            throw new InvalidOperationException(
                $"Database '{name}' was not created by {nameof(PostgresServer)}.{nameof(CreateDatabaseAsync)} in this process; it is not dropped.");
        }

        var admin = await GetAdminConnectionStringAsync(cancellationToken);
        await using (var connection = new NpgsqlConnection(connectionString))
        {
            NpgsqlConnection.ClearPool(connection);
        }

        await ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", cancellationToken);
        CreatedDatabases.TryRemove(name, out _);
    }

    private static async Task<string> StartAsync()
    {
        var configured = Environment.GetEnvironmentVariable(ConnectionStringVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return await UseConfiguredServerAsync(configured);
        }

        var failures = new List<string>();
        var started = await TryStartClusterAsync(failures) ?? await TryStartDockerAsync(failures);
        if (started is not null)
        {
            return started;
        }

        throw new InvalidOperationException(
            "The tests need a PostgreSQL server and found none:" + Environment.NewLine +
            string.Join(Environment.NewLine, failures.Select(f => "  - " + f)) + Environment.NewLine +
            "Fix it with one of:" + Environment.NewLine +
            "  - install the PostgreSQL server binaries (Debian/Ubuntu: sudo apt-get install -y postgresql); " +
            "the service need not run: the tests start a throwaway cluster of their own;" + Environment.NewLine +
            $"  - or set {ConnectionStringVariable} to an Npgsql connection string of a role with CREATEDB, e.g. " +
            $"{ConnectionStringVariable}='Host=127.0.0.1;Port=5432;Username=jointops;Password=jointops;Database=postgres';" + Environment.NewLine +
            "  - or start a Docker engine (the tests then run the postgres:15 image).");
    }

    private static async Task<string> UseConfiguredServerAsync(string connectionString)
    {
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString) { IncludeErrorDetail = true };
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"{ConnectionStringVariable} is not a valid Npgsql connection string: {e.Message}", e);
        }

        var shown = new NpgsqlConnectionStringBuilder(builder.ConnectionString) { Password = null }.ConnectionString;
        bool canCreateDatabases;
        try
        {
            await using var connection = new NpgsqlConnection(builder.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(
                "SELECT rolsuper OR rolcreatedb FROM pg_roles WHERE rolname = current_user", connection);
            canCreateDatabases = await command.ExecuteScalarAsync() is true;
        }
        catch (Exception e) when (e is NpgsqlException or SocketException or TimeoutException)
        {
            throw new InvalidOperationException(
                $"{ConnectionStringVariable} is set ({shown}) but connecting failed: {e.Message}. " +
                "Start that server, fix the variable, or unset it to let the tests start a throwaway cluster.", e);
        }

        if (!canCreateDatabases)
        {
            throw new InvalidOperationException(
                $"{ConnectionStringVariable} is set ({shown}) but its role cannot create databases: ALTER ROLE ... CREATEDB.");
        }

        AppDomain.CurrentDomain.ProcessExit += (_, _) => DropLeftoverDatabases(builder.ConnectionString);
        return builder.ConnectionString;
    }

    private static async Task<string?> TryStartClusterAsync(List<string> failures)
    {
        var bin = await FindBinDirectoryAsync();
        if (bin is null)
        {
            failures.Add("throwaway cluster: no initdb and pg_ctl in `pg_config --bindir`, /usr/lib/postgresql/*/bin or PATH");
            return null;
        }

        // initdb and pg_ctl refuse to run as root.
        var asPostgres = Environment.IsPrivilegedProcess;
        await RemoveStaleClustersAsync(bin, asPostgres);

        var root = Path.Combine(Path.GetTempPath(), $"{ClusterFolderPrefix}{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..8]}");
        var data = Path.Combine(root, "data");
        var sockets = Path.Combine(root, "socket");
        var log = Path.Combine(root, "server.log");
        Directory.CreateDirectory(sockets);

        string? failure = null;
        if (asPostgres)
        {
            var chown = await RunAsync("chown", ["-R", "postgres:postgres", root], TimeSpan.FromSeconds(30));
            failure = chown.ExitCode == 0 ? null : $"chown -R postgres:postgres {root} failed: {chown.Output}";
        }

        if (failure is null)
        {
            var initdb = await RunToolAsync(bin, "initdb",
                ["-D", data, "--auth=trust", "--username=postgres", "--encoding=UTF8", "--locale=C", "--no-sync", "--no-instructions"],
                asPostgres, TimeSpan.FromMinutes(2));
            failure = initdb.ExitCode == 0 ? null : $"initdb failed (exit {initdb.ExitCode}): {initdb.Output}";
        }

        if (failure is null)
        {
            string[] settings =
            [
                "",
                "# jointops tests: a throwaway cluster, reachable on loopback only, durability off for speed",
                "listen_addresses = '127.0.0.1'",
                $"unix_socket_directories = '{sockets.Replace("'", "''", StringComparison.Ordinal)}'",
                .. TestSettings.Split(' ').Select(setting => setting.Replace("=", " = ", StringComparison.Ordinal)),
                "",
            ];
            await File.AppendAllTextAsync(Path.Combine(data, "postgresql.conf"), string.Join('\n', settings));

            // The port is free when chosen but may be taken before the server binds it: try a few.
            for (var attempt = 1; attempt <= 3; attempt++)
            {
                var port = FreeLoopbackPort();
                var start = await RunToolAsync(bin, "pg_ctl",
                    ["start", "-D", data, "-l", log, "-w", "-t", "60", "-o", $"-p {port}"], asPostgres, TimeSpan.FromSeconds(90));
                if (start.ExitCode == 0)
                {
                    AppDomain.CurrentDomain.ProcessExit += (_, _) => StopCluster(bin, root, asPostgres);
                    var pgCtl = Quote(Path.Combine(bin, "pg_ctl"));
                    CleanUpAfterExit($"{(asPostgres ? "runuser -u postgres -- " : "")}{pgCtl} stop -D {Quote(data)} -m immediate; rm -rf {Quote(root)}");
                    return new NpgsqlConnectionStringBuilder
                    {
                        Host = "127.0.0.1",
                        Port = port,
                        Username = "postgres",
                        Database = "postgres",
                        IncludeErrorDetail = true,
                    }.ConnectionString;
                }

                failure = $"pg_ctl start failed (exit {start.ExitCode}): {start.Output} {ReadTail(log)}";
            }
        }

        StopCluster(bin, root, asPostgres);
        failures.Add($"throwaway cluster from {bin}: {failure}");
        return null;
    }

    internal static async Task<string?> FindBinDirectoryAsync()
    {
        var candidates = new List<string>();
        try
        {
            var pgConfig = await RunAsync("pg_config", ["--bindir"], TimeSpan.FromSeconds(30));
            if (pgConfig.ExitCode == 0)
            {
                candidates.Add(pgConfig.Output.Trim());
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            // No pg_config on PATH.
        }

        if (Directory.Exists("/usr/lib/postgresql"))
        {
            candidates.AddRange(Directory.EnumerateDirectories("/usr/lib/postgresql")
                .Select(version => (Version: int.TryParse(Path.GetFileName(version), out var number) ? number : -1, Bin: Path.Combine(version, "bin")))
                .OrderByDescending(version => version.Version)
                .Select(version => version.Bin));
        }

        candidates.AddRange((Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        return candidates.Select(ResolveBinDirectory).FirstOrDefault(dir => dir is not null);
    }

    // The real folder of initdb, following symbolic links (a removed package leaves dangling ones, e.g. in /usr/local/bin).
    private static string? ResolveBinDirectory(string directory)
    {
        var initdb = new FileInfo(Path.Combine(directory, "initdb"));
        var target = initdb.LinkTarget is null ? initdb : initdb.ResolveLinkTarget(returnFinalTarget: true);
        return target is FileInfo { Exists: true, DirectoryName: { } real } && File.Exists(Path.Combine(real, "pg_ctl")) ? real : null;
    }

    // A test process killed before its exit handler ran leaves its cluster running: stop it and remove its folder.
    internal static async Task RemoveStaleClustersAsync(string bin, bool asPostgres)
    {
        foreach (var root in Directory.EnumerateDirectories(Path.GetTempPath(), ClusterFolderPrefix + "*"))
        {
            var pid = Path.GetFileName(root)[ClusterFolderPrefix.Length..].Split('-')[0];
            if (!int.TryParse(pid, NumberStyles.None, CultureInfo.InvariantCulture, out var processId) || IsRunning(processId))
            {
                continue;
            }

            if (File.Exists(Path.Combine(root, "data", "postmaster.pid")))
            {
                await RunToolAsync(bin, "pg_ctl", ["stop", "-D", Path.Combine(root, "data"), "-m", "immediate"], asPostgres, TimeSpan.FromSeconds(30));
            }

            DeleteFolder(root);
        }
    }

    private static void StopCluster(string bin, string root, bool asPostgres)
    {
        var data = Path.Combine(root, "data");
        if (File.Exists(Path.Combine(data, "postmaster.pid")))
        {
            RunToolAsync(bin, "pg_ctl", ["stop", "-D", data, "-m", "immediate"], asPostgres, TimeSpan.FromSeconds(30))
                .GetAwaiter().GetResult();
        }

        DeleteFolder(root);
    }

    // vstest kills the test host 100 ms after the run (VSTEST_TESTHOST_SHUTDOWN_TIMEOUT), often before the ProcessExit
    // handlers are done, and a crashed or killed host runs none: a detached shell waits for this process and cleans up.
    internal static void CleanUpAfterExit(string commands)
    {
        var startInfo = new ProcessStartInfo("setsid")
        {
            ArgumentList = { "sh", "-c", $"exec </dev/null >/dev/null 2>&1; while kill -0 {Environment.ProcessId}; do sleep 0.5; done; {commands}" },
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        Process.Start(startInfo)?.Dispose();
    }

    internal static string Quote(string argument) => "'" + argument.Replace("'", "'\\''", StringComparison.Ordinal) + "'";

    private static async Task<string?> TryStartDockerAsync(List<string> failures)
    {
        try
        {
            var info = await RunAsync("docker", ["info", "--format", "{{.ServerVersion}}"], TimeSpan.FromSeconds(20));
            if (info.ExitCode != 0)
            {
                failures.Add("Docker: `docker info` failed, no Docker engine is running");
                return null;
            }
        }
        catch (System.ComponentModel.Win32Exception)
        {
            failures.Add("Docker: no docker command");
            return null;
        }

        var run = await RunAsync("docker",
            ["run", "-d", "--rm", "-p", "127.0.0.1::5432", "-e", "POSTGRES_HOST_AUTH_METHOD=trust",
             "--tmpfs", "/var/lib/postgresql/data", DockerImage,
             .. TestSettings.Split(' ').SelectMany(setting => new[] { "-c", setting })],
            TimeSpan.FromMinutes(10));
        var container = run.ExitCode == 0 ? run.Output.Trim().Split('\n')[^1] : null;
        if (container is null)
        {
            failures.Add($"Docker: `docker run {DockerImage}` failed (exit {run.ExitCode}): {run.Output}");
            return null;
        }

        void Remove() => RunAsync("docker", ["rm", "-f", container], TimeSpan.FromSeconds(60)).GetAwaiter().GetResult();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Remove();
        CleanUpAfterExit($"docker rm -f {Quote(container)}");

        var mapping = await RunAsync("docker", ["port", container, "5432/tcp"], TimeSpan.FromSeconds(20));
        var portText = mapping.Output.Trim().Split('\n')[0].Split(':')[^1];
        if (mapping.ExitCode == 0 && int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var port))
        {
            var connectionString = new NpgsqlConnectionStringBuilder
            {
                Host = "127.0.0.1",
                Port = port,
                Username = "postgres",
                Database = "postgres",
                IncludeErrorDetail = true,
            }.ConnectionString;

            // The image runs initdb on a socket-only server first: TCP answers once the real server is up.
            var deadline = DateTime.UtcNow.AddSeconds(60);
            Exception? last = null;
            while (DateTime.UtcNow < deadline)
            {
                try
                {
                    await ExecuteAsync(connectionString, "SELECT 1", CancellationToken.None);
                    return connectionString;
                }
                catch (Exception e) when (e is NpgsqlException or SocketException or IOException or TimeoutException)
                {
                    last = e;
                    await Task.Delay(250);
                }
            }

            failures.Add($"Docker: container {container} did not accept connections within 60 s: {last?.Message}");
        }
        else
        {
            failures.Add($"Docker: `docker port {container}` failed: {mapping.Output}");
        }

        Remove();
        return null;
    }

    private static void DropLeftoverDatabases(string admin)
    {
        foreach (var name in CreatedDatabases.Keys)
        {
            try
            {
                ExecuteAsync(admin, $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", CancellationToken.None).GetAwaiter().GetResult();
            }
            catch (NpgsqlException)
            {
                // Best effort at exit: the server may be gone already.
            }
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    internal static Task<CommandResult> RunToolAsync(string bin, string tool, IReadOnlyList<string> arguments, bool asPostgres, TimeSpan timeout) =>
        asPostgres
            ? RunAsync("runuser", ["-u", "postgres", "--", Path.Combine(bin, tool), .. arguments], timeout)
            : RunAsync(Path.Combine(bin, tool), arguments, timeout);

    internal static async Task<CommandResult> RunAsync(string fileName, IReadOnlyList<string> arguments, TimeSpan timeout)
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

        using var process = Process.Start(startInfo)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeoutSource = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return new CommandResult(-1, $"{fileName} timed out after {timeout.TotalSeconds} s");
        }

        return new CommandResult(process.ExitCode, ((await output) + (await error)).Trim());
    }

    internal static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsRunning(int processId)
    {
        try
        {
            using var process = Process.GetProcessById(processId);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    internal static string ReadTail(string path)
    {
        try
        {
            return string.Join('\n', File.ReadLines(path).TakeLast(10));
        }
        catch (IOException)
        {
            return "";
        }
    }

    internal static void DeleteFolder(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Left for the next run's stale-folder sweep.
        }
    }

    internal sealed record CommandResult(int ExitCode, string Output);
}
