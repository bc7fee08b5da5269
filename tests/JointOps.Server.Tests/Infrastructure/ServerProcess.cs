using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;

namespace JointOps.Server.Tests.Infrastructure;

/// <summary>
/// The real server as a separate OS process (<c>dotnet JointOps.Server.dll</c>), configured through environment
/// variables, so a test can kill it the hard way (SIGKILL: no shutdown, no flushing, transactions cut off) and start
/// it again on the same database. Its output is kept and shown when it fails to come up; disposing kills it.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private const int OutputLines = 400;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    private readonly string _name;
    private readonly Dictionary<string, string> _settings;
    private readonly Queue<string> _output = new();
    private readonly Lock _gate = new();
    private readonly Dictionary<string, string> _tokens = [];
    private Process? _process;
    private SocketsHttpHandler? _handler;
    private EventHandler? _killAtExit;
    private int _starts;

    /// <param name="name">Shown in failure messages, to tell several servers apart.</param>
    /// <param name="settings">Configuration keys ("Deadlines:SweepInterval") and values, given as environment variables.</param>
    public ServerProcess(string name, IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        _name = name;
        _settings = new Dictionary<string, string>(settings);
    }

    /// <summary>Where the built server is: the test's own output when the server was copied there whole, else its project's output.</summary>
    public static string ServerDirectory { get; } = FindServerDirectory();

    /// <summary>The address of the running server (a new free port at each start).</summary>
    public Uri BaseAddress { get; private set; } = new("http://127.0.0.1/");

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>How many times the server has been started.</summary>
    public int Starts => _starts;

    /// <summary>The last lines the server wrote (stdout and stderr), oldest first.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return string.Join('\n', _output);
            }
        }
    }

    /// <summary>
    /// The usual settings of a server in these tests: Development (seeded users with <paramref name="password"/>),
    /// PostgreSQL, SMTP to a catcher on 127.0.0.1, and everything else as given in <paramref name="more"/>.
    /// </summary>
    public static Dictionary<string, string> Settings(string connectionString, int mailPort, string password, IReadOnlyDictionary<string, string>? more = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Postgres"] = connectionString,
            ["Development:SeedPassword"] = password,
            ["Mail:Host"] = "127.0.0.1",
            ["Mail:Port"] = mailPort.ToString(CultureInfo.InvariantCulture),
            ["Mail:Security"] = "None",
            ["Mail:BaseUrl"] = "https://jointops.test",
            ["Development:AuthenticatorKey"] = Totp.DevelopmentKey,
            ["Limits:SignInPerMinute"] = "100000",
            ["Limits:ApiPerMinute"] = "1000000",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        return settings;
    }

    /// <summary>Starts the server and waits until GET /health answers 200.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"Server {_name} is already running.");
        }

        // The free port may be taken between choosing it and binding it: then try another.
        for (var attempt = 1; ; attempt++)
        {
            var port = FreeLoopbackPort();
            Launch(port);
            var failure = await WaitUntilHealthyAsync(cancellationToken);
            if (failure is null)
            {
                return;
            }

            var output = Output;
            var portTaken = output[Math.Max(0, output.LastIndexOf(StartMarker(), StringComparison.Ordinal))..]
                .Contains("address already in use", StringComparison.OrdinalIgnoreCase);
            await KillAsync();
            if (!portTaken || attempt == 3)
            {
                throw new InvalidOperationException(
                    $"Server {_name} (start {_starts}, {BaseAddress}) did not become healthy: {failure}.\nIts output:\n{Output}");
            }
        }
    }

    /// <summary>Kills the server with SIGKILL (no graceful shutdown) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        var process = _process;
        _process = null;
        _handler?.Dispose();
        _handler = null;
        lock (_gate)
        {
            _tokens.Clear();
        }

        if (_killAtExit is not null)
        {
            AppDomain.CurrentDomain.ProcessExit -= _killAtExit;
            _killAtExit = null;
        }

        if (process is null)
        {
            return;
        }

        try
        {
            if (!process.HasExited)
            {
                // On Unix, Process.Kill sends SIGKILL.
                process.Kill(entireProcessTree: true);
            }

            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (InvalidOperationException)
        {
            // It had exited already.
        }
        finally
        {
            process.Dispose();
        }

        Append($"--- {_name} killed ---");
    }

    /// <summary>Kills the server and starts it again on the same settings (and database).</summary>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        await KillAsync();
        await StartAsync(cancellationToken);
    }

    /// <summary>An anonymous client of the running server.</summary>
    public HttpClient Anonymous()
    {
        var handler = _handler ?? throw new InvalidOperationException($"Server {_name} is not running.");
        return new HttpClient(handler, disposeHandler: false) { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
    }

    /// <summary>A client signed in (POST /api/auth/login) as a seeded user; the token is kept for this run of the server.</summary>
    public async Task<HttpClient> AsAsync(string email)
    {
        string? token;
        lock (_gate)
        {
            _tokens.TryGetValue(email, out token);
        }

        if (token is null)
        {
            using var anonymous = Anonymous();
            using var login = await anonymous.PostAsJsonAsync("/api/auth/login", new
            {
                email,
                password = _settings["Development:SeedPassword"],
                twoFactorCode = Totp.Code(_settings.GetValueOrDefault("Development:AuthenticatorKey", Totp.DevelopmentKey)),
            });
            var body = await login.Content.ReadAsStringAsync();
            if (login.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"Signing in as {email} on server {_name} failed: {(int)login.StatusCode} {body}");
            }

            token = JsonDocument.Parse(body).RootElement.GetProperty("accessToken").GetString()!;
            lock (_gate)
            {
                _tokens[email] = token;
            }
        }

        var client = Anonymous();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync() => await KillAsync();

    private void Launch(int port)
    {
        _starts++;
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        var startInfo = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = ServerDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add(Path.Combine(ServerDirectory, "JointOps.Server.dll"));
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        startInfo.Environment["DOTNET_ENVIRONMENT"] = "Development";
        startInfo.Environment["ASPNETCORE_URLS"] = BaseAddress.ToString().TrimEnd('/');
        startInfo.Environment["ASPNETCORE_CONTENTROOT"] = ServerDirectory;
        startInfo.Environment["DOTNET_NOLOGO"] = "1";
        startInfo.Environment["Logging__Console__FormatterName"] = "simple";
        startInfo.Environment["Logging__Console__FormatterOptions__SingleLine"] = "true";
        startInfo.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
        foreach (var (key, value) in _settings)
        {
            startInfo.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        Append(StartMarker());
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.Start();
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;

        // Should the test process end without disposing, the server must not outlive it.
        _killAtExit = (_, _) =>
        {
            try
            {
                process.Kill(entireProcessTree: true);
            }
            catch (InvalidOperationException)
            {
                // Gone already.
            }
        };
        AppDomain.CurrentDomain.ProcessExit += _killAtExit;

        // A new connection pool per run: the last run's connections died with it.
        _handler = new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(1) };
    }

    private string StartMarker() => $"--- {_name} start {_starts} on {BaseAddress} ---";

    /// <summary>Null when healthy, else why not.</summary>
    private async Task<string?> WaitUntilHealthyAsync(CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var client = Anonymous();
        client.Timeout = TimeSpan.FromSeconds(5);
        var last = "no answer yet";
        while (Stopwatch.GetElapsedTime(started) < StartTimeout)
        {
            if (_process is not { HasExited: false } process)
            {
                return $"the process exited with code {_process?.ExitCode}";
            }

            try
            {
                using var response = await client.GetAsync(new Uri("/health", UriKind.Relative), cancellationToken);
                if (response.StatusCode == HttpStatusCode.OK)
                {
                    return null;
                }

                last = $"GET /health answered {(int)response.StatusCode}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                last = e.Message;
            }

            await Task.Delay(100, cancellationToken);
        }

        return $"no 200 from GET /health within {StartTimeout.TotalSeconds} s (last: {last})";
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.Enqueue(line);
            while (_output.Count > OutputLines)
            {
                _output.Dequeue();
            }
        }
    }

    /// <summary>The dotnet host running these tests, so the server runs on the same runtime.</summary>
    private static string DotnetHost()
    {
        var current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
    }

    private static string FindServerDirectory()
    {
        static bool Runnable(string folder) =>
            File.Exists(Path.Combine(folder, "JointOps.Server.dll"))
            && File.Exists(Path.Combine(folder, "JointOps.Server.runtimeconfig.json"))
            && File.Exists(Path.Combine(folder, "JointOps.Server.deps.json"))
            && Directory.Exists(Path.Combine(folder, "workflows"))
            && Directory.Exists(Path.Combine(folder, "calendars"));

        var here = AppContext.BaseDirectory;
        if (Runnable(here))
        {
            return here;
        }

        var configuration = typeof(ServerProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        for (var folder = new DirectoryInfo(here); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, "JointOps.sln")))
            {
                var built = Path.Combine(folder.FullName, "src", "JointOps.Server", "bin", configuration, "net10.0");
                if (Runnable(built))
                {
                    return built;
                }

                throw new InvalidOperationException($"The server is not built in {here} nor in {built}: build the solution ({configuration}) first.");
            }
        }

        throw new InvalidOperationException($"The server is not built in {here}, and no JointOps.sln was found above it.");
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
