using System.Diagnostics;
using System.Net;
using System.Text.Json;
using JointOps.Server.Mail;
using JointOps.Server.Persistence;
using JointOps.Server.Tests.Infrastructure;
using Npgsql;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Deadlines;

/// <summary>The tests that start server processes run one at a time: each runs two or three of them on two cores.</summary>
[CollectionDefinition(Name)]
public sealed class ServerProcesses
{
    public const string Name = "Server processes";
}

/// <summary>
/// One or more server processes on one fresh PostgreSQL database, mailing one catcher on 127.0.0.1, with
/// "information-sharing" requests on the short-deadlines definition (review due 6 s after entry, reminder at 3 s,
/// escalation to the central authority every 3 s) and a timer sweep every 200 ms.
/// </summary>
public sealed class ProcessDeployment : IAsyncDisposable
{
    private readonly string _workflows;
    private readonly List<ServerProcess> _servers = [];
    private readonly Dictionary<string, string> _settings;
    private readonly bool _ownsDatabase;

    private ProcessDeployment(string connectionString, string workflows, MailCatcher mail, IReadOnlyDictionary<string, string>? more, bool ownsDatabase)
    {
        _ownsDatabase = ownsDatabase;
        ConnectionString = connectionString;
        _workflows = workflows;
        Mail = mail;
        var settings = new Dictionary<string, string>
        {
            ["Deadlines:SweepInterval"] = "00:00:00.200",
            ["Workflows:Path"] = workflows,
            ["Workflows:ByType:information-sharing"] = "short-deadlines",
        };
        foreach (var (key, value) in more ?? new Dictionary<string, string>())
        {
            settings[key] = value;
        }

        _settings = ServerProcess.Settings(connectionString, mail.Port, AppFixture.Password, settings);
    }

    public string ConnectionString { get; }

    public MailCatcher Mail { get; }

    /// <summary>
    /// A fresh database (on the shared server, or on <paramref name="cluster"/> when given), a running catcher and the
    /// workflows folder; no server yet.
    /// </summary>
    public static async Task<ProcessDeployment> CreateAsync(string name, IReadOnlyDictionary<string, string>? settings = null, PostgresCluster? cluster = null)
    {
        var workflows = Directory.CreateTempSubdirectory("jointops-workflows-").FullName;
        foreach (var file in Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "workflows"), "*.json"))
        {
            File.Copy(file, Path.Combine(workflows, Path.GetFileName(file)));
        }

        File.Copy(Path.Combine(AppContext.BaseDirectory, "Deadlines", "short-deadlines.json"), Path.Combine(workflows, "short-deadlines.json"));
        // Room for every mail of a load test, so none is forgotten before it is counted.
        var mail = new MailCatcher(port: 0, capacity: 20_000);
        await mail.StartAsync(CancellationToken.None);
        var connectionString = cluster is null ? await PostgresServer.CreateDatabaseAsync(name) : await cluster.CreateDatabaseAsync(name);
        return new ProcessDeployment(connectionString, workflows, mail, settings, ownsDatabase: cluster is null);
    }

    /// <summary>A server process on this deployment's database (not yet started).</summary>
    public ServerProcess AddServer(string name)
    {
        var server = new ServerProcess(name, _settings);
        _servers.Add(server);
        return server;
    }

    public static async Task<(string Id, string Reference)> SubmitAsync(ServerProcess server)
    {
        var (status, request) = await (await server.AsAsync(OfficerKr)).PostJsonAsync("/api/requests", NewRequest(type: "information-sharing"));
        Assert.True(status == HttpStatusCode.Created, $"Submitting failed with {status}: {request}");
        Assert.Equal("short-deadlines", request.GetProperty("workflow").Str("name"));
        Assert.Equal("review", request.StepId());
        return (request.Str("id"), request.Str("reference"));
    }

    /// <summary>The supervisor approves; a 409 (an escalation being written at that moment) is answered as a user would, by reloading.</summary>
    public static async Task ApproveAsync(ServerProcess server, string id)
    {
        var client = await server.AsAsync(SupervisorKr);
        for (var attempt = 1; ; attempt++)
        {
            var (_, current) = await client.GetJsonAsync($"/api/requests/{id}");
            var (status, body) = await client.PostJsonAsync($"/api/requests/{id}/decisions",
                new { decision = "approve", comment = "Approved.", version = current.Number("version") });
            if (status == HttpStatusCode.OK)
            {
                Assert.Equal("acknowledgement", body.StepId());
                return;
            }

            Assert.True(status == HttpStatusCode.Conflict && attempt < 5, $"Approving {id} failed with {status}: {body}");
        }
    }

    /// <summary>The request's audit trail as the auditor reads it; the chain must verify.</summary>
    public static async Task<JsonElement[]> HistoryAsync(ServerProcess server, string id)
    {
        var (status, history) = await (await server.AsAsync(AuditorKr)).GetJsonAsync($"/api/requests/{id}/history");
        Assert.True(status == HttpStatusCode.OK, $"Reading the history of {id} failed with {status}: {history}");
        Assert.True(history.GetProperty("verified").GetBoolean(), $"The audit chain of {id} does not verify: {history}");
        return [.. history.GetProperty("entries").EnumerateArray()];
    }

    /// <summary>
    /// Waits until nothing is left to do: no timer due and pending, no mail unsent, and every written mail caught.
    /// Returns the outbox as it then is.
    /// </summary>
    public async Task<IReadOnlyList<OutboxRow>> WaitUntilQuietAsync(TimeSpan timeout)
    {
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var dueTimers = await ScalarAsync("""SELECT count(*) FROM "Timers" WHERE "State" = 'pending' AND "DueAt" <= clock_timestamp()""");
            var outbox = await OutboxAsync();
            var caught = Mail.Messages.Select(m => m.MessageId).ToHashSet();
            var unsent = outbox.Count(m => m.State != OutboxState.Sent);
            var uncaught = outbox.Count(m => !caught.Contains(m.MessageId));
            if (dueTimers == 0 && unsent == 0 && uncaught == 0)
            {
                return outbox;
            }

            Assert.True(Stopwatch.GetElapsedTime(started) < timeout,
                $"Not quiet after {timeout.TotalSeconds} s: {dueTimers} due timer(s) pending, {unsent} mail(s) unsent, {uncaught} written but not caught.\n" +
                string.Join("\n", _servers.Select(s => s.Output)));
            await Task.Delay(200);
        }
    }

    public async Task<IReadOnlyList<OutboxRow>> OutboxAsync()
    {
        var rows = new List<OutboxRow>();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""SELECT "MessageId", "RequestId", "Kind", "State" FROM "Outbox" ORDER BY "Id" """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new OutboxRow(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetGuid(1), reader.GetString(2), reader.GetString(3)));
        }

        return rows;
    }

    public async Task<IReadOnlyList<TimerRow>> TimersAsync()
    {
        var rows = new List<TimerRow>();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""SELECT "Id", "RequestId", "Kind", "State" FROM "Timers" ORDER BY "Id" """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            rows.Add(new TimerRow(reader.GetInt64(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3)));
        }

        return rows;
    }

    public IReadOnlyList<CapturedMail> Reminders(string reference) =>
        [.. Mail.Messages.Where(m => m.Subject.Contains($"Reminder - {reference}:", StringComparison.Ordinal)).Reverse()];

    public IReadOnlyList<CapturedMail> Escalations(string reference) =>
        [.. Mail.Messages.Where(m => m.Subject.Contains($"Overdue - {reference}:", StringComparison.Ordinal)).Reverse()];

    /// <summary>Polls until <paramref name="condition"/> holds; fails saying <paramref name="what"/> and what the servers wrote.</summary>
    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var started = Stopwatch.GetTimestamp();
        while (!condition())
        {
            Assert.True(Stopwatch.GetElapsedTime(started) < timeout, $"Waited {timeout.TotalSeconds} s for {what}.\n{Output()}");
            await Task.Delay(50);
        }
    }

    /// <summary>
    /// Once quiet, the books balance for every request, from three sides: the mail caught, the audit trail and the timers.
    /// An undecided request had exactly one reminder (one Message-Id, to the supervisor) and as many escalations (distinct
    /// Message-Ids, to the central authority) as "escalated" audit entries and fired deadline timers; a decided one had none.
    /// Every mail written was caught, and every mail caught was written. Returns how many deliveries repeated a Message-Id.
    /// </summary>
    public async Task<int> AssertEveryDueMailSentOnceAsync(ServerProcess server,
        IReadOnlyList<(string Id, string Reference)> undecided, IReadOnlyList<(string Id, string Reference)> decided, int minimumEscalations)
    {
        var outbox = await WaitUntilQuietAsync(TimeSpan.FromSeconds(30));
        var timers = await TimersAsync();
        var caught = Mail.Messages;
        var written = outbox.Select(m => m.MessageId).ToHashSet();
        Assert.All(caught, m => Assert.Contains(m.MessageId, written));

        foreach (var (id, reference) in undecided)
        {
            var requestId = Guid.Parse(id);
            var reminders = Reminders(reference);
            Assert.NotEmpty(reminders);
            Assert.All(reminders, m => Assert.Equal([SupervisorKr], m.To));
            Assert.Single(reminders.Select(m => m.MessageId).Distinct());
            Assert.Single(outbox, m => m.RequestId == requestId && m.Kind == MailKinds.Reminder);
            Assert.Single(timers, t => t.RequestId == requestId && t.Kind == TimerKinds.Reminder && t.State == TimerState.Fired);

            var escalations = Escalations(reference);
            Assert.All(escalations, m => Assert.Equal([CentralKr], m.To));
            var sent = escalations.Select(m => m.MessageId).Distinct().Count();
            var audited = (await HistoryAsync(server, id)).Count(e => e.Str("action") == "escalated");
            var fired = timers.Count(t => t.RequestId == requestId && t.Kind != TimerKinds.Reminder && t.State == TimerState.Fired);
            var rows = outbox.Count(m => m.RequestId == requestId && m.Kind == MailKinds.Escalation);
            Assert.True(sent >= minimumEscalations && sent == audited && sent == fired && sent == rows,
                $"{reference}: {sent} escalation mail(s) with distinct Message-Ids ({escalations.Count} delivered), {audited} \"escalated\" audit entries, " +
                $"{fired} deadline timer(s) fired, {rows} escalation mail(s) written; expected them equal and at least {minimumEscalations}.");
        }

        foreach (var (id, reference) in decided)
        {
            var requestId = Guid.Parse(id);
            Assert.Empty(Reminders(reference));
            Assert.Empty(Escalations(reference));
            Assert.DoesNotContain(await HistoryAsync(server, id), e => e.Str("action") == "escalated");
            Assert.DoesNotContain(timers, t => t.RequestId == requestId && t.State == TimerState.Fired);
            Assert.DoesNotContain(outbox, m => m.RequestId == requestId && m.Kind is MailKinds.Reminder or MailKinds.Escalation);
        }

        return caught.Count - caught.Select(m => m.MessageId).Distinct().Count();
    }

    /// <summary>Work the database holds at this moment: due timers not yet fired, mails not yet sent and those claimed by a sender.</summary>
    public async Task<string> DescribeWorkAsync()
    {
        var due = await ScalarAsync("""SELECT count(*) FROM "Timers" WHERE "State" = 'pending' AND "DueAt" <= clock_timestamp()""");
        var unsent = await ScalarAsync("""SELECT count(*) FROM "Outbox" WHERE "State" <> 'sent'""");
        var claimed = await ScalarAsync("""SELECT count(*) FROM "Outbox" WHERE "State" <> 'sent' AND "LockedUntil" > clock_timestamp()""");
        return $"{due} due timer(s) unfired, {unsent} mail(s) unsent of which {claimed} claimed by a sender";
    }

    /// <summary>What every server wrote, for failure messages.</summary>
    public string Output() => string.Join("\n", _servers.Select(s => s.Output));

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync();
        }

        await Mail.DisposeAsync();
        if (_ownsDatabase)
        {
            await PostgresServer.DropDatabaseAsync(ConnectionString);
        }

        Directory.Delete(_workflows, recursive: true);
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}

public sealed record OutboxRow(string MessageId, Guid? RequestId, string Kind, string State);

public sealed record TimerRow(long Id, Guid RequestId, string Kind, string State);
