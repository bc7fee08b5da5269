using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using JointOps.Server.Persistence;
using JointOps.Server.Tests.Deadlines;
using JointOps.Server.Tests.Infrastructure;
using Xunit.Abstractions;

namespace JointOps.Server.Tests.Faults;

/// <summary>
/// PostgreSQL stopped and started again under 16 clients, on a cluster of this test's own: while it is away the server
/// says so (503 on /health, 503 ProblemDetails with Retry-After on the API, never a 500 or a stack trace), and when it
/// returns the server recovers by itself: requests are served, timers that came due meanwhile fire, mail goes out.
/// </summary>
[Collection(ServerProcesses.Name)]
public sealed class DatabaseRestartTests(ITestOutputHelper output)
{
    private const int Clients = 16;
    private static readonly TimeSpan Away = TimeSpan.FromSeconds(5);
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    private void Log(string line) => output.WriteLine($"{_clock.Elapsed.TotalSeconds,6:F1} s  {line}");

    [Fact]
    public async Task Restarting_PostgreSQL_under_load_answers_503_meanwhile_and_loses_no_request_or_timer()
    {
        await using var cluster = await PostgresCluster.StartAsync();
        await using var deployment = await ProcessDeployment.CreateAsync("jointops_db_restart", new Dictionary<string, string>
        {
            // EF logs each failed connection with its stack: hundreds while the database is away, hiding what the server says.
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "None",
        }, cluster);
        var server = deployment.AddServer("server");
        await server.StartAsync();
        Log("started");

        var stoppedAt = DateTimeOffset.MinValue;
        var restartedAt = DateTimeOffset.MinValue;
        string? anyRequest = null;
        var left = new List<Guid>();
        var load = await DecisionLoad.RunAsync(_ => server, Clients, async load =>
        {
            await load.WaitForSuccessesAsync(100, TimeSpan.FromSeconds(60), deployment.Output);
            anyRequest = load.Calls.First(c => c.Succeeded).RequestId.ToString();
            using var officer = await server.AsAsync(Scenario.OfficerKr);

            // Requests no client decides, whose first reminder falls due while the database is away.
            for (var i = 0; i < 3; i++)
            {
                left.Add(Guid.Parse((await ProcessDeployment.SubmitAsync(server)).Id));
            }

            stoppedAt = DateTimeOffset.UtcNow;
            await cluster.StopServerAsync();
            Log($"PostgreSQL stopped under load: {load.Summary()}");

            while (DateTimeOffset.UtcNow - stoppedAt < Away)
            {
                await AssertHealthSaysUnavailableAsync(server);
                await AssertProblemAsync(officer, HttpMethod.Get, $"/api/requests/{anyRequest}");
                await AssertProblemAsync(officer, HttpMethod.Post, "/api/requests", Scenario.NewRequest(type: "information-sharing"));
                await Task.Delay(500);
            }

            var awayCalls = load.Calls.Count;
            // Taken before starting: the server may reconnect and fire before pg_ctl reports PostgreSQL ready.
            restartedAt = DateTimeOffset.UtcNow;
            await cluster.StartServerAsync();
            Log($"PostgreSQL started again: {load.Summary()}");

            var recovering = Stopwatch.StartNew();
            using var anonymous = server.Anonymous();
            while ((await anonymous.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode != HttpStatusCode.OK)
            {
                Assert.True(recovering.Elapsed < TimeSpan.FromSeconds(20), $"/health was not 200 within 20 s of PostgreSQL's return.\n{server.Output}");
                await Task.Delay(100);
            }

            Log($"healthy {recovering.Elapsed.TotalSeconds:F1} s after PostgreSQL's return");
            await load.WaitForSuccessesAsync(100, TimeSpan.FromSeconds(60), deployment.Output);
            Log($"serving again: {load.Calls.Count - awayCalls} calls since");
        });
        Log($"load stopped: {load.Summary()}");

        var failures = new List<string>();
        failures.AddRange(load.Calls.Where(c => c.Status is not (HttpStatusCode.OK or HttpStatusCode.Created or HttpStatusCode.Conflict or HttpStatusCode.ServiceUnavailable))
            .Select(c => $"client {c.Client}: {c.Action} answered {(int?)c.Status}: {c.Detail}"));
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(20)) + "\n" + server.Output);
        Assert.True(load.Count(HttpStatusCode.ServiceUnavailable) > 0, "No client call met the database away.");

        await deployment.WaitUntilQuietAsync(TimeSpan.FromSeconds(30));
        var books = await Books.ReadAsync(deployment.ConnectionString);
        Log($"{books.Requests.Count} requests, {books.AllOutbox.Count} mails; paths:{books.DescribePaths()}");
        failures = books.CheckEveryRequestIsWhole();
        failures.AddRange(books.CheckClientsSawTheTruth(load.Calls, everyMoveSeen: false));
        Assert.True(failures.Count == 0, string.Join('\n', failures.Take(40)));

        // The sweep and the drain survived the outage: what came due while the database was away fired after it came back.
        var timers = books.Timers.SelectMany(t => t).ToList();
        var dueWhileAway = timers.Where(t => t.DueAt > stoppedAt && t.DueAt < restartedAt).ToList();
        Log($"{dueWhileAway.Count} timer(s) came due while PostgreSQL was away: {string.Join(", ", dueWhileAway.GroupBy(t => t.State).Select(g => $"{g.Count()} {g.Key}"))}");
        Assert.Contains(dueWhileAway, t => left.Contains(t.RequestId) && t.State == TimerState.Fired && t.FiredAt >= restartedAt);
        Assert.DoesNotContain(timers, t => t.State == TimerState.Pending && t.DueAt < restartedAt);
        Assert.Contains(books.AllOutbox, m => m.SentAt >= restartedAt);
        Assert.True(server.IsRunning, server.Output);
    }

    [Fact]
    public async Task A_database_that_hangs_is_reported_unhealthy_within_seconds_and_healthy_again_when_it_answers()
    {
        await using var cluster = await PostgresCluster.StartAsync();
        await using var deployment = await ProcessDeployment.CreateAsync("jointops_db_hangs", cluster: cluster);
        var server = deployment.AddServer("server");
        await server.StartAsync();

        // Every PostgreSQL process stopped: connections stay open and the pool keeps them, but nothing answers.
        await cluster.FreezeAsync();
        Log("PostgreSQL frozen");
        for (var i = 0; i < 2; i++)
        {
            await AssertHealthSaysUnavailableAsync(server, TimeSpan.FromSeconds(5));
        }

        await cluster.ThawAsync();
        using var anonymous = server.Anonymous();
        var thawed = Stopwatch.StartNew();
        while ((await anonymous.GetAsync(new Uri("/health", UriKind.Relative))).StatusCode != HttpStatusCode.OK)
        {
            Assert.True(thawed.Elapsed < TimeSpan.FromSeconds(20), $"/health was not 200 within 20 s of PostgreSQL answering again.\n{server.Output}");
            await Task.Delay(100);
        }

        Log($"healthy {thawed.Elapsed.TotalSeconds:F1} s after PostgreSQL answers again");
        await ProcessDeployment.SubmitAsync(server);
    }

    /// <summary>/health answers 503 quickly: a load balancer must not wait out a connect timeout to learn it.</summary>
    private async Task AssertHealthSaysUnavailableAsync(ServerProcess server, TimeSpan? within = null)
    {
        var limit = within ?? TimeSpan.FromSeconds(3);
        using var client = server.Anonymous();
        var asked = Stopwatch.StartNew();
        using var response = await client.GetAsync(new Uri("/health", UriKind.Relative));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"/health answered {(int)response.StatusCode} with the database away: {body}");
        Assert.True(asked.Elapsed < limit, $"/health took {asked.Elapsed.TotalSeconds:F1} s to answer with the database away.");
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "/health answered 503 without Retry-After");
        if (within is not null)
        {
            Log($"/health answered {(int)response.StatusCode} in {asked.Elapsed.TotalSeconds:F1} s");
        }
    }

    /// <summary>A 503 ProblemDetails with Retry-After, and nothing of the server's insides (no exception text or stack trace).</summary>
    private static async Task AssertProblemAsync(HttpClient client, HttpMethod method, string url, object? body = null)
    {
        using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        using var response = await client.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{method} {url} answered {(int)response.StatusCode} with the database away: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, $"{method} {url}: no Retry-After in the 503");
        Assert.DoesNotContain(" at ", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Npgsql", text, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Exception", text, StringComparison.Ordinal);
    }
}
