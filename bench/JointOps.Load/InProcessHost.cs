using System.Data.Common;
using System.Globalization;
using System.Text;
using JointOps.Server.Features.Inbox;
using JointOps.Server.Features.Requests;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using JointOps.Server.Workflows;
using MediatR;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace JointOps.Load;

/// <summary>
/// The server's host built in this process, as the tests build it, on the given database: commands go straight to
/// IMediator (no HTTP, no JSON, no authentication), each in its own scope as a request would be. Its DbContext also
/// carries an interceptor that can record the SQL of one query with its parameters, for EXPLAIN.
/// </summary>
public sealed class InProcessHost : IAsyncDisposable
{
    private readonly WebApplicationFactory<WorkflowCatalog> _factory;
    private readonly CommandCapture _capture = new();

    public InProcessHost(string connectionString, string password, int smtpPort)
    {
        _factory = new WebApplicationFactory<WorkflowCatalog>().WithWebHostBuilder(builder =>
        {
            // The build output has what the host reads (workflows, calendars); the factory's guess of a source folder does not exist here.
            builder.UseContentRoot(AppContext.BaseDirectory);
            builder.UseEnvironment("Development");
            builder.UseSetting("Database:Provider", "Postgres");
            builder.UseSetting("ConnectionStrings:Postgres", connectionString);
            builder.UseSetting("Development:SeedPassword", password);
            builder.UseSetting("Mail:Host", "127.0.0.1");
            builder.UseSetting("Mail:Port", smtpPort.ToString(CultureInfo.InvariantCulture));
            builder.UseSetting("Mail:Security", "None");
            builder.UseSetting("Mail:CatcherPort", "0");
            builder.UseSetting("Logging:LogLevel:Default", "Warning");
            builder.UseSetting("Logging:LogLevel:Microsoft.Hosting.Lifetime", "Warning");
            builder.ConfigureServices(services =>
                services.ConfigureDbContext<PostgresDbContext>(options => options.AddInterceptors(_capture)));
        });
        _ = _factory.Services;
    }

    public static CurrentUser As(BenchUser user) => new(user.Id, user.Name, user.Country, user.Unit, [user.Role]);

    public async Task<TResponse> SendAsync<TResponse>(IRequest<TResponse> request)
    {
        await using var scope = _factory.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<IMediator>().Send(request);
    }

    /// <summary>A few decisions before measuring: the first ones pay for compiling the host's code paths.</summary>
    public async Task WarmAsync(HttpLoad.Chain chain)
    {
        var decide = Decide(chain);
        for (var i = 0; i < HttpLoad.Path.Length; i++)
        {
            await decide();
        }
    }

    /// <summary>A client of the in-process mode: the same chain of six decisions as over HTTP.</summary>
    public Func<Task<Outcome>> Decide(HttpLoad.Chain chain) => async () =>
    {
        if (chain.Next() is not { } next)
        {
            return Outcome.Exhausted;
        }

        var result = await SendAsync(new Decide.Command(As(next.By), next.Id, next.Decision, next.Comment, next.Version));
        chain.Done(result.Succeeded);
        return result.Succeeded ? new Outcome("decide") : new Outcome("decide", $"{next.Decision} on {next.Id}: {result.Problem!.Summary}");
    };

    /// <summary>
    /// Runs the inbox, a search page and the request page (request and history) as <paramref name="user"/> and writes
    /// EXPLAIN (ANALYZE, BUFFERS) of every SELECT they sent, with the very parameters they sent, to <paramref name="file"/>.
    /// Each plan is taken twice and the second kept: the warm-cache figure a busy server would see.
    /// </summary>
    public async Task ExplainAsync(string connectionString, BenchUser user, Guid page, string label, string file)
    {
        var current = As(user);
        var text = new StringBuilder();
        (string Name, Func<Task> Run)[] queries =
        [
            ("inbox: GET /api/inbox", () => SendAsync(new GetInbox.Query(current, 100))),
            ("search: GET /api/requests?status=in-progress&page=1", () => SendAsync(new Search.Query(current, "in-progress", null, null, 1, 20))),
            ("search: GET /api/requests (no filter, page 1)", () => SendAsync(new Search.Query(current, null, null, null, 1, 20))),
            ($"request page: GET /api/requests/{page}", () => SendAsync(new GetRequest.Query(current, page))),
            ($"request page: GET /api/requests/{page}/history", () => SendAsync(new History.Query(current, page))),
        ];
        foreach (var (name, run) in queries)
        {
            List<CapturedCommand> captured;
            try
            {
                await run();
                captured = await _capture.RecordAsync(run);
            }
            catch (InvalidOperationException e)
            {
                // EF's 30 s command timeout, among others: itself a finding; the plans below show why.
                text.AppendLine(CultureInfo.InvariantCulture, $"### {label}, as {user.Email}: {name} FAILED: {e.GetBaseException().Message}");
                text.AppendLine();
                captured = _capture.Last;
            }

            foreach (var command in captured.Where(c => c.Sql.TrimStart().StartsWith("SELECT", StringComparison.OrdinalIgnoreCase)))
            {
                text.AppendLine(CultureInfo.InvariantCulture, $"### {label}, as {user.Email} ({user.Role}, {user.Unit}): {name}");
                text.AppendLine();
                text.AppendLine(command.Sql);
                text.AppendLine(string.Join(", ", command.Parameters.Select(p => $"{p.ParameterName} = {Show(p.Value)}")));
                text.AppendLine();
                await Explain(connectionString, command);
                text.AppendLine(await Explain(connectionString, command));
            }
        }

        await File.AppendAllTextAsync(file, text.ToString());
    }

    private static async Task<string> Explain(string connectionString, CapturedCommand captured)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS) " + captured.Sql, connection) { CommandTimeout = 600 };
        foreach (var p in captured.Parameters)
        {
            command.Parameters.Add(p.Clone());
        }

        var plan = new StringBuilder();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            plan.AppendLine(reader.GetString(0));
        }

        return plan.ToString();
    }

    private static string Show(object? value) => value switch
    {
        null or DBNull => "NULL",
        string s => $"'{s}'",
        string[] a => $"{{{string.Join(",", a)}}}",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    public ValueTask DisposeAsync() => _factory.DisposeAsync();

    private sealed record CapturedCommand(string Sql, IReadOnlyList<NpgsqlParameter> Parameters);

    /// <summary>Records the commands sent while <see cref="RecordAsync"/> runs (in its async flow only).</summary>
    private sealed class CommandCapture : DbCommandInterceptor
    {
        private readonly AsyncLocal<List<CapturedCommand>?> _recording = new();

        /// <summary>What the last recording caught, also when it ended in an exception.</summary>
        public List<CapturedCommand> Last { get; private set; } = [];

        public async Task<List<CapturedCommand>> RecordAsync(Func<Task> run)
        {
            var list = Last = [];
            _recording.Value = list;
            try
            {
                await run();
            }
            finally
            {
                _recording.Value = null;
            }

            return list;
        }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Record(command);
            return ValueTask.FromResult(result);
        }

        public override ValueTask<InterceptionResult<object>> ScalarExecutingAsync(DbCommand command, CommandEventData eventData,
            InterceptionResult<object> result, CancellationToken cancellationToken = default)
        {
            Record(command);
            return ValueTask.FromResult(result);
        }

        private void Record(DbCommand command)
        {
            if (_recording.Value is { } list)
            {
                list.Add(new CapturedCommand(command.CommandText, command.Parameters.Cast<NpgsqlParameter>().Select(p => p.Clone()).ToList()));
            }
        }
    }
}
