using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace JointOps.Load;

/// <summary>
/// The HTTP modes against a running server. Each client signs in as its own users and then loops:
/// <c>decide</c> drives its own requests from supervisor-review to closed (six decisions by six users),
/// <c>submit</c> creates and submits requests, <c>mix</c> does 10% submit, 30% decide, 40% inbox, 20% request page,
/// <c>reads</c> opens the inbox, a search page and a long-history request page as a unit supervisor or a central authority.
/// </summary>
public sealed class HttpLoad(HttpClient http, string password, string? authenticatorKey)
{
    /// <summary>The roles whose sign-in asks for a second factor once two-factor sign-in is on.</summary>
    public static readonly string[] TwoFactorRoles = ["Approver", "CentralAuthority", "Admin"];

    private static readonly Uri Login = new("/api/auth/login", UriKind.Relative);

    private readonly ConcurrentDictionary<string, string> _tokens = new(StringComparer.Ordinal);

    public static HttpClient Client(Uri address) =>
        new(new SocketsHttpHandler { PooledConnectionLifetime = Timeout.InfiniteTimeSpan, MaxConnectionsPerServer = 1024 })
        {
            BaseAddress = address,
            Timeout = TimeSpan.FromSeconds(60),
        };

    /// <summary>Signs in (once per user) and returns the bearer token; sends an RFC 6238 code when an authenticator key is given.</summary>
    public async Task<string> TokenAsync(BenchUser user)
    {
        if (_tokens.TryGetValue(user.Email, out var token))
        {
            return token;
        }

        object body = authenticatorKey is not null && TwoFactorRoles.Contains(user.Role)
            ? new { email = user.Email, password, twoFactorCode = JointOps.Deadlines.Bench.Totp.Code(authenticatorKey) }
            : new { email = user.Email, password };
        using var response = await http.PostAsJsonAsync(Login, body);
        var text = await response.Content.ReadAsStringAsync();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"Sign-in as {user.Email} failed: {(int)response.StatusCode} {text}" +
                (authenticatorKey is null ? " (if two-factor sign-in is on, pass --two-factor-key)" : ""));
        }

        using var json = JsonDocument.Parse(text);
        return _tokens[user.Email] = json.RootElement.GetProperty("accessToken").GetString()!;
    }

    /// <summary>Signs everyone in first, a few at a time (password hashing is the server's slowest request).</summary>
    public Task SignInAsync(IEnumerable<BenchUser> users) =>
        Parallel.ForEachAsync(users.DistinctBy(u => u.Email), new ParallelOptions { MaxDegreeOfParallelism = 4 }, async (user, _) => await TokenAsync(user));

    /// <summary>The decisions that take a fresh request from supervisor-review to closed, and who takes each.</summary>
    public static readonly (string Decision, Func<ClientUsers, BenchUser> By, string? Comment)[] Path =
    [
        ("approve", c => c.Supervisor, null),
        ("approve", c => c.Central, null),
        ("acknowledge", c => c.Liaison, null),
        ("approve", c => c.Approver, null),
        ("deliver-results", c => c.Executing, "Call records and account statements attached."),
        ("accept", c => c.Officer, null),
    ];

    /// <summary>One client's requests in flight: the next decision on the current one, then the next from its pool.</summary>
    public sealed class Chain(ClientUsers users, ConcurrentQueue<Guid> pool)
    {
        public ClientUsers Users => users;

        public Guid? Current { get; private set; }

        public Guid? Last { get; private set; }

        public int Version { get; private set; }

        public int Index { get; private set; }

        /// <summary>The next decision to take, or null when the pool is used up.</summary>
        public (Guid Id, int Version, string Decision, BenchUser By, string? Comment)? Next()
        {
            if (Current is null || Index == Path.Length)
            {
                if (!pool.TryDequeue(out var id))
                {
                    return null;
                }

                (Current, Version, Index) = (id, 1, 0);
            }

            var (decision, by, comment) = Path[Index];
            return (Current.Value, Version, decision, by(users), comment);
        }

        public void Done(bool ok)
        {
            Last = Current;
            if (ok)
            {
                Version++;
                Index++;
            }
            else
            {
                Current = null;
            }
        }
    }

    public Func<Task<Outcome>> Decide(Chain chain) => async () =>
    {
        if (chain.Next() is not { } next)
        {
            return Outcome.Exhausted;
        }

        var outcome = await SendAsync(HttpMethod.Post, $"/api/requests/{next.Id}/decisions", next.By,
            new { decision = next.Decision, comment = next.Comment, version = next.Version }, "decide", HttpStatusCode.OK);
        chain.Done(outcome.Error is null);
        return outcome;
    };

    public Func<Task<Outcome>> Submit(ClientUsers users, int client)
    {
        var n = 0;
        return () => SendAsync(HttpMethod.Post, "/api/requests", users.Officer, NewRequest(users.Country == "KR" ? "KH" : "KR", client, ++n),
            "submit", HttpStatusCode.Created);
    }

    public Func<Task<Outcome>> Mix(Chain chain, int client)
    {
        var random = new Random(client);
        var submit = Submit(chain.Users, client);
        var decide = Decide(chain);
        return async () =>
        {
            var roll = random.Next(100);
            if (roll < 10)
            {
                return await submit();
            }

            if (roll < 40)
            {
                return await decide();
            }

            if (roll < 80)
            {
                return await SendAsync(HttpMethod.Get, "/api/inbox", chain.Users.Supervisor, null, "inbox", HttpStatusCode.OK);
            }

            return chain.Last is { } id ? await PageAsync(id, chain.Users.Officer, "request page") : await decide();
        };
    }

    public Func<Task<Outcome>> Reads(Reader reader, int client)
    {
        var random = new Random(client);
        var turn = 0;
        return () => (turn++ % 3) switch
        {
            0 => SendAsync(HttpMethod.Get, "/api/inbox", reader.User, null, $"inbox ({reader.Kind})", HttpStatusCode.OK),
            1 => SendAsync(HttpMethod.Get, $"/api/requests?status=in-progress&page={1 + random.Next(5)}&pageSize=20", reader.User, null,
                $"search ({reader.Kind})", HttpStatusCode.OK),
            _ => PageAsync(reader.Pages[random.Next(reader.Pages.Count)], reader.User, $"request page ({reader.Kind})"),
        };
    }

    /// <summary>The request page's two calls: the request, and its history, whose chain must verify.</summary>
    private async Task<Outcome> PageAsync(Guid id, BenchUser user, string operation)
    {
        var request = await SendAsync(HttpMethod.Get, $"/api/requests/{id}", user, null, operation, HttpStatusCode.OK);
        if (request.Error is not null)
        {
            return request;
        }

        var (history, text) = await SendWithBodyAsync(HttpMethod.Get, $"/api/requests/{id}/history", user, null, operation, HttpStatusCode.OK);
        return history.Error is null && !text.Contains("\"verified\":true", StringComparison.Ordinal)
            ? new Outcome(operation, $"the history of {id} does not verify: {(text.Length > 300 ? text[..300] : text)}")
            : history;
    }

    /// <summary>
    /// What a user would see of seeded data: a central authority's inbox lists requests, a unit supervisor opens a
    /// long-history request, and its 50-entry audit chain verifies. Null when all holds, else what failed.
    /// </summary>
    public async Task<string?> CheckSeededAsync(Reader reader, Reader central)
    {
        var (inbox, text) = await SendWithBodyAsync(HttpMethod.Get, "/api/inbox", central.User, null, "inbox", HttpStatusCode.OK);
        if (inbox.Error is not null)
        {
            return inbox.Error;
        }

        using (var json = JsonDocument.Parse(text))
        {
            if (json.RootElement.GetProperty("total").GetInt32() == 0)
            {
                return $"the inbox of {central.User.Email} is empty";
            }
        }

        var page = await PageAsync(reader.Pages[0], reader.User, "page");
        if (page.Error is not null)
        {
            return page.Error;
        }

        var (_, history) = await SendWithBodyAsync(HttpMethod.Get, $"/api/requests/{reader.Pages[0]}/history", reader.User, null, "history", HttpStatusCode.OK);
        using var entries = JsonDocument.Parse(history);
        var count = entries.RootElement.GetProperty("entries").GetArrayLength();
        return count == 50 ? null : $"the long history of {reader.Pages[0]} has {count} entries, not 50";
    }

    private async Task<Outcome> SendAsync(HttpMethod method, string path, BenchUser user, object? body, string operation, HttpStatusCode expected) =>
        (await SendWithBodyAsync(method, path, user, body, operation, expected)).Outcome;

    private async Task<(Outcome Outcome, string Body)> SendWithBodyAsync(HttpMethod method, string path, BenchUser user, object? body, string operation, HttpStatusCode expected)
    {
        using var message = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        if (body is not null)
        {
            message.Content = JsonContent.Create(body);
        }

        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(user));
        using var response = await http.SendAsync(message);
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode == expected
            ? new Outcome(operation)
            : new Outcome(operation, $"{method} {path} as {user.Email}: {(int)response.StatusCode} {(text.Length > 300 ? text[..300] : text)}"), text);
    }

    public static Dictionary<string, object?> NewRequest(string receivingCountry, int client, int n) => new()
    {
        ["type"] = "evidence-exchange",
        ["priority"] = "normal",
        ["title"] = $"Call records of scam compound {client}-{n}",
        ["facts"] = "Between March and August 2026 a syndicate operating from a compound in Sihanoukville defrauded 41 victims in Korea.",
        ["purpose"] = "To identify who ran the calls and where the proceeds went.",
        ["legalBasis"] = "Treaty on Mutual Legal Assistance in Criminal Matters",
        ["offences"] = new[] { new { description = "Fraud", law = "Criminal Act Art. 347", penalty = "Up to 10 years" } },
        ["subjects"] = new[] { new { name = "Suspect A", role = "suspect", nationality = "KR", dateOfBirth = "1990-02-01", lastKnownLocation = "Sihanoukville" } },
        ["measures"] = new[] { "Call records of +855 12 345 678" },
        ["confidentiality"] = "H1",
        ["language"] = "en",
        ["receivingCountry"] = receivingCountry,
        ["submit"] = true,
    };
}
