using System.Diagnostics;
using System.Net;
using JointOps.Server.Persistence;
using JointOps.Server.Tests.Deadlines;
using JointOps.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JointOps.Server.Tests.Faults;

/// <summary>
/// Two server processes on one database, 16 clients spread over both, racing for the same requests while both servers
/// fire timers and send mail: each version of a request is decided once, each timer fires once, each mail goes once.
/// </summary>
[Collection(ServerProcesses.Name)]
public sealed class TwoServerLoadTests(ITestOutputHelper output)
{
    private const int Clients = 16;
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private void Log(string line) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:F1} s  {line}");

    [Fact]
    public async Task A_server_starting_waits_for_another_that_is_slow_to_prepare_the_database_however_long_it_takes()
    {
        // Every command may take 3 s at most; the other server (this test, holding the startup lock) takes longer.
        await using var deployment = await ProcessDeployment.CreateAsync("jointops_slow_start");
        var first = deployment.AddServer("first");
        await first.StartAsync();
        await first.KillAsync();
        var impatient = new Npgsql.NpgsqlConnectionStringBuilder(deployment.ConnectionString) { CommandTimeout = 3 }.ConnectionString;
        await using var server = new ServerProcess("second",
            ServerProcess.Settings(impatient, deployment.Mail.Port, AppFixture.Password));

        Task starting;
        await using (var other = new Npgsql.NpgsqlConnection(deployment.ConnectionString))
        {
            await other.OpenAsync();
            await using var preparing = await other.BeginTransactionAsync();
            await using (var take = new Npgsql.NpgsqlCommand("SELECT pg_advisory_xact_lock(hashtext('jointops:startup'))", other, preparing))
            {
                await take.ExecuteNonQueryAsync();
            }

            starting = server.StartAsync();
            await Task.Delay(TimeSpan.FromSeconds(8));
            Assert.False(starting.IsCompleted, $"The server started while another held the startup lock: {(starting.IsFaulted ? starting.Exception : "")}");
            Log("held the startup lock for 8 s");
        }

        // Released (the other server is done): this one goes on, finds the database prepared, and serves.
        await starting;
        var (status, body) = await (await server.AsAsync(Scenario.AuditorKr)).GetJsonAsync("/api/requests");
        Assert.True(status == HttpStatusCode.OK, $"{status}: {body}");
    }

    [Fact]
    public async Task Two_servers_under_load_apply_no_decision_twice_fire_no_timer_twice_and_send_no_mail_twice()
    {
        await using var deployment = await ProcessDeployment.CreateAsync("jointops_two_load");
        var servers = new[] { deployment.AddServer("server A"), deployment.AddServer("server B") };
        await Task.WhenAll(servers.Select(s => s.StartAsync()));
        Log("two servers up");

        // Requests no client decides remind at 3 s and escalate at 6 s and every 3 s after, while both servers sweep.
        var left = new List<(string Id, string Reference)>();
        for (var i = 0; i < 4; i++)
        {
            left.Add(await ProcessDeployment.SubmitAsync(servers[i % 2]));
        }

        var load = await DecisionLoad.RunAsync(client => servers[client % 2], Clients,
            load => load.WaitForSuccessesAsync(300, TimeSpan.FromSeconds(90), deployment.Output));
        Log($"load stopped: {load.Summary()}");
        await deployment.WaitUntilAsync(() => left.All(r => deployment.Reminders(r.Reference).Count > 0 && deployment.Escalations(r.Reference).Count >= 2),
            TimeSpan.FromSeconds(45), "a reminder and two escalations of each request left undecided");

        await deployment.WaitUntilQuietAsync(TimeSpan.FromSeconds(30));
        var caughtBefore = deployment.Mail.Messages.Select(m => m.MessageId).ToHashSet();
        var books = await Books.ReadAsync(deployment.ConnectionString);
        var caughtAfter = deployment.Mail.Messages;
        var fired = books.Timers.SelectMany(t => t).Count(t => t.State == TimerState.Fired);
        Log($"{books.Requests.Count} requests, {fired} timers fired, {books.AllOutbox.Count} mails; paths:{books.DescribePaths()}");

        var failures = books.CheckEveryRequestIsWhole();

        // No call was cut off, so every move in the books is one a client saw succeed, and the other way round.
        failures.AddRange(books.CheckClientsSawTheTruth(
            [.. load.Calls, .. left.Select(r => new ClientCall(-1, Guid.Parse(r.Id), "submit", null, 1, HttpStatusCode.Created, r.Reference))], everyMoveSeen: true));
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(40)));
        Assert.Equal(0, load.Unanswered);
        Assert.All(load.Calls, c => Assert.True(c.Succeeded || c.Status == HttpStatusCode.Conflict, $"{c}"));
        Assert.True(load.Count(HttpStatusCode.Conflict) > 0, "No two clients raced for one request: the test proved nothing about races.");
        Assert.True(fired > 0, "No timer fired during the test.");

        // Without crashes not even a repeated delivery: each mail recorded as sent was caught exactly once.
        Assert.Subset(books.AllOutbox.Select(m => m.MessageId).ToHashSet(), caughtBefore);
        var deliveries = caughtAfter.GroupBy(m => m.MessageId).ToDictionary(g => g.Key, g => g.Count());
        Assert.All(books.AllOutbox.Where(m => m.State == OutboxState.Sent), m => Assert.Equal(1, deliveries.GetValueOrDefault(m.MessageId)));
        Assert.All(deliveries, d => Assert.True(d.Value == 1, $"{d.Key} was delivered {d.Value} times"));
        Assert.All(servers, s => Assert.True(s.IsRunning, s.Output));
    }
}
