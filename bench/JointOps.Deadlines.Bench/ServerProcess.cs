using System.Diagnostics;

namespace JointOps.Deadlines.Bench;

/// <summary>The real server, as a separate process on 127.0.0.1, on PostgreSQL, in Development (so the README's users exist).</summary>
public sealed class ServerProcess : IAsyncDisposable
{
    public const string SeedPassword = "JointOps-Dev-2026!";

    private readonly Process _process;
    private readonly StreamWriter _log;

    private ServerProcess(Process process, StreamWriter log, Uri address)
    {
        _process = process;
        _log = log;
        Address = address;
    }

    public Uri Address { get; }

    public int Pid => _process.Id;

    /// <summary>The database's connection string with <see cref="BenchOptions.ServerConnectionOptions"/> added.</summary>
    public static string ServerConnectionString(string db, BenchOptions options) =>
        string.IsNullOrWhiteSpace(options.ServerConnectionOptions) ? db : $"{db};{options.ServerConnectionOptions}";

    /// <param name="settings">More configuration (environment variable names, e.g. "Development__AuthenticatorKey").</param>
    public static async Task<ServerProcess> StartAsync(string dll, string connectionString, int smtpPort, TimeSpan sweepInterval, string logPath,
        IReadOnlyDictionary<string, string>? settings = null)
    {
        var port = Postgres.FreeLoopbackPort();
        var address = new Uri($"http://127.0.0.1:{port}");
        var startInfo = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll },
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["ASPNETCORE_ENVIRONMENT"] = "Development",
                ["ASPNETCORE_URLS"] = address.ToString().TrimEnd('/'),
                ["Development__SeedPassword"] = SeedPassword,
                ["Development__AuthenticatorKey"] = Totp.DevelopmentKey,
                ["Limits__SignInPerMinute"] = "100000",

                // The decision runs send hundreds of requests a second as four users; an access token outlives the run.
                ["Limits__ApiPerMinute"] = "10000000",
                ["Security__AccessTokenLifetime"] = "12:00:00",
                ["Database__Provider"] = "Postgres",
                ["ConnectionStrings__Postgres"] = connectionString,
                ["Mail__Host"] = "127.0.0.1",
                ["Mail__Port"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Mail__Security"] = "None",
                ["Deadlines__SweepInterval"] = sweepInterval.ToString("c", System.Globalization.CultureInfo.InvariantCulture),

                // Warnings only: per-request logging would be measured as the server's cost; start and stop are kept.
                ["Logging__LogLevel__Default"] = "Warning",
                ["Logging__LogLevel__Microsoft.AspNetCore"] = "Warning",
                ["Logging__LogLevel__Microsoft.Hosting.Lifetime"] = "Information",
            },
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            startInfo.Environment[key] = value;
        }

        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = Process.Start(startInfo)!;
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new ServerProcess(process, log, address);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => server.KillIfRunning();

        using var http = new HttpClient { BaseAddress = address, Timeout = TimeSpan.FromSeconds(5) };
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The server exited with code {process.ExitCode} while starting; see {logPath}.");
            }

            try
            {
                using var response = await http.GetAsync(new Uri("/health", UriKind.Relative));
                if (response.IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException)
            {
                // Slow to answer while migrating.
            }

            if (DateTime.UtcNow > deadline)
            {
                await server.DisposeAsync();
                throw new TimeoutException($"The server did not answer /health within 2 minutes; see {logPath}.");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>Throws when the server is gone (something else stopped it, or it crashed): no figure is measured without it.</summary>
    public void EnsureRunning()
    {
        if (_process.HasExited)
        {
            throw new InvalidOperationException(
                $"The server (pid {_process.Id}) exited with code {_process.ExitCode} in the middle of the run" +
                (_process.ExitCode is 137 or 143 ? " (killed by a signal from another process)" : "") + ".");
        }
    }

    private void KillIfRunning()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already disposed.
        }
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // The last lines after the server was stopped.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            // SIGTERM first, so Hangfire's server says goodbye; killed if it takes too long.
            await Postgres.RunAsync("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)], check: false);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(15));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }

        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }
}
