using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using JointOps.Server.Tests.Infrastructure;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Faults;

/// <summary>What one client saw of one call: a submission or a decision, and how it ended.</summary>
/// <param name="VersionSent">The version the decision was taken on (null for a submission).</param>
/// <param name="VersionAfter">The request's version in a successful answer.</param>
/// <param name="Status">The HTTP status, or null when no answer came (connection refused or cut).</param>
public sealed record ClientCall(int Client, Guid RequestId, string Action, int? VersionSent, int? VersionAfter, HttpStatusCode? Status, string Detail)
{
    public bool Succeeded => Status is HttpStatusCode.OK or HttpStatusCode.Created;
}

/// <summary>
/// Clients that submit "information-sharing" requests and decide on them as fast as the servers answer: each either
/// submits a new request or takes the next decision (approve or reject at review, acknowledge at acknowledgement) on one
/// of the few most recent open requests, on the version it just read, so clients often race each other for one request.
/// Every call and how it ended is kept; a client whose server is away waits a moment and goes on.
/// </summary>
public sealed class DecisionLoad
{
    private readonly Func<int, ServerProcess> _serverFor;
    private readonly ConcurrentBag<ClientCall> _calls = [];
    private readonly List<Guid> _open = [];
    private readonly Lock _gate = new();
    private int _unanswered;

    /// <param name="serverFor">The server a client (by number) talks to at this moment.</param>
    public DecisionLoad(Func<int, ServerProcess> serverFor) => _serverFor = serverFor;

    public IReadOnlyList<ClientCall> Calls => [.. _calls];

    /// <summary>Calls that got an answer with this status.</summary>
    public int Count(HttpStatusCode status) => _calls.Count(c => c.Status == status);

    /// <summary>Calls that got no answer at all (connection refused or cut), and other client-side failures.</summary>
    public int Unanswered => Volatile.Read(ref _unanswered);

    /// <summary>Runs <paramref name="clients"/> clients until <paramref name="stop"/> is cancelled.</summary>
    public Task RunAsync(int clients, CancellationToken stop) =>
        Task.WhenAll(Enumerable.Range(0, clients).Select(client => Task.Run(() => ClientAsync(client, stop), CancellationToken.None)));

    public string Summary() =>
        $"{_calls.Count} calls: {_calls.Count(c => c.Succeeded)} succeeded ({_calls.Count(c => c.Succeeded && c.Action == "submit")} submissions), " +
        string.Join(", ", _calls.Where(c => c.Status is not null && !c.Succeeded).GroupBy(c => (int)c.Status!).OrderBy(g => g.Key).Select(g => $"{g.Count()} × {g.Key}")) +
        $", {Unanswered} unanswered";

    private async Task ClientAsync(int client, CancellationToken stop)
    {
        var random = new Random(client);
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var target = PickOpen(random);
                if (target is null || random.Next(4) == 0)
                {
                    await SubmitAsync(client);
                }
                else
                {
                    await DecideAsync(client, target.Value, random);
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or InvalidOperationException or IOException or JsonException)
            {
                // The server is away (killed, restarting) or cut the call: no answer, so the outcome is unknown.
                Interlocked.Increment(ref _unanswered);
                await Task.Delay(100, CancellationToken.None);
            }
        }
    }

    private async Task SubmitAsync(int client)
    {
        var server = _serverFor(client);
        using var officer = await server.AsAsync(OfficerKr);
        var (status, body) = await officer.PostJsonAsync("/api/requests", NewRequest(type: "information-sharing"));
        if (status == HttpStatusCode.Created)
        {
            var id = Guid.Parse(body.Str("id"));
            _calls.Add(new ClientCall(client, id, "submit", null, body.Number("version"), status, body.Str("reference")));
            lock (_gate)
            {
                _open.Add(id);
            }
        }
        else
        {
            _calls.Add(new ClientCall(client, Guid.Empty, "submit", null, null, status, Describe(body)));
            await PauseAfterFailureAsync(status);
        }
    }

    private async Task DecideAsync(int client, Guid id, Random random)
    {
        var server = _serverFor(client);
        var reader = await server.AsAsync(SupervisorKr);
        using (reader)
        {
            var (status, current) = await reader.GetJsonAsync($"/api/requests/{id}");
            if (status != HttpStatusCode.OK)
            {
                _calls.Add(new ClientCall(client, id, "read", null, null, status, Describe(current)));
                await PauseAfterFailureAsync(status);
                return;
            }

            var step = current.StepId();
            var version = current.Number("version");
            var (user, decision, comment) = step switch
            {
                "review" when random.Next(6) == 0 => (SupervisorKr, "reject", "Not enough to go on."),
                "review" => (SupervisorKr, "approve", "Approved."),
                "acknowledgement" => (LiaisonKh, "acknowledge", "Received."),
                _ => (null, null, null),
            };
            if (user is null)
            {
                Close(id);
                return;
            }

            using var actor = await server.AsAsync(user);
            var (decided, body) = await actor.PostJsonAsync($"/api/requests/{id}/decisions", new { decision, comment, version });
            _calls.Add(new ClientCall(client, id, decision!, version, decided == HttpStatusCode.OK ? body.Number("version") : null, decided,
                decided == HttpStatusCode.OK ? body.StepId() ?? "" : Describe(body)));
            if (decided == HttpStatusCode.OK && body.StepId() is not ("review" or "acknowledgement"))
            {
                Close(id);
            }
            else if (decided != HttpStatusCode.OK && decided != HttpStatusCode.Conflict)
            {
                await PauseAfterFailureAsync(decided);
            }
        }
    }

    // Clients race for the few most recent open requests.
    private Guid? PickOpen(Random random)
    {
        lock (_gate)
        {
            return _open.Count == 0 ? null : _open[^(1 + random.Next(Math.Min(_open.Count, 6)))];
        }
    }

    private void Close(Guid id)
    {
        lock (_gate)
        {
            _open.Remove(id);
        }
    }

    // A 503 says to come back later: a real client would not hammer a server whose database is away.
    private static Task PauseAfterFailureAsync(HttpStatusCode status) =>
        status >= HttpStatusCode.InternalServerError ? Task.Delay(100, CancellationToken.None) : Task.CompletedTask;

    private static string Describe(JsonElement body) =>
        body.ValueKind == JsonValueKind.Object && body.TryGetProperty("detail", out var detail) ? detail.ToString()
        : body.ValueKind == JsonValueKind.Object && body.TryGetProperty("title", out var title) ? title.ToString()
        : body.ToString();

    /// <summary>Runs the load while <paramref name="during"/> does its worst, then stops it and returns what the clients saw.</summary>
    public static async Task<DecisionLoad> RunAsync(Func<int, ServerProcess> serverFor, int clients, Func<DecisionLoad, Task> during)
    {
        var load = new DecisionLoad(serverFor);
        using var stop = new CancellationTokenSource();
        var running = load.RunAsync(clients, stop.Token);
        try
        {
            await during(load);
        }
        finally
        {
            await stop.CancelAsync();
            await running;
        }

        return load;
    }

    /// <summary>Waits until the load has made <paramref name="calls"/> more successful calls (or fails after a while).</summary>
    public async Task WaitForSuccessesAsync(int calls, TimeSpan timeout, Func<string> context)
    {
        var target = _calls.Count(c => c.Succeeded) + calls;
        var started = Stopwatch.GetTimestamp();
        while (_calls.Count(c => c.Succeeded) < target)
        {
            Assert.True(Stopwatch.GetElapsedTime(started) < timeout,
                $"The load made {_calls.Count(c => c.Succeeded) - target + calls} of {calls} successful calls in {timeout.TotalSeconds} s: {Summary()}\n{context()}");
            await Task.Delay(50);
        }
    }
}
