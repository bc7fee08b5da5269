using System.Net;
using System.Text.Json;
using JointOps.Engine.Definitions;
using JointOps.Server.Development;
using JointOps.Server.Tests.Infrastructure;

namespace JointOps.Server.Tests.Access;

/// <summary>
/// For every step a request can be at in the shipped definitions, in both directions (KR to KH and KH to KR), every
/// Development user and every endpoint that reads or acts on a request: the answer the access rules give. The expected
/// answers come from the rules as docs/workflow-format.md and docs/architecture.md state them, applied to the definition
/// (<see cref="Rules"/>), never from the server's code:
/// <list type="bullet">
/// <item>Only the owner sees a draft. From submission the requesting country's participants see the request: every role
/// the definition names on that side (a unit-scoped actor only in the request's unit, an owner-scoped one only the
/// owner) and that country's auditors; from transmission, the same for the receiving side. Admins see nothing.</item>
/// <item>Whoever does not see the request gets 404 from every endpoint, so nobody learns that it exists.</item>
/// <item>Whoever sees it but may not act gets 403; a decision with <c>by</c> is that actor's only, any other decision
/// the step's actor's (or a branch's). A finished request refuses every decision with 409.</item>
/// </list>
/// Known gap: the receiving side's executing units see a transmitted request country-wide, since nothing yet assigns a
/// particular executing unit; the matrix expects exactly that, as the definition's country-scoped actor says.
/// </summary>
public abstract class AuthorizationMatrixTests(AppFixture app)
{
    private static readonly Dictionary<string, WorkflowDefinition> Definitions = new[] { "mutual-assistance", "urgent-rescue" }
        .ToDictionary(n => n, n => DefinitionLoader.Load(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "workflows", $"{n}.json"))).Definition!);

    /// <summary>Every (definition, requesting country, step) a request can reach, plus each direction's draft.</summary>
    public static TheoryData<string, string, string> States()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var requesting in new[] { "KR", "KH" })
        {
            data.Add("mutual-assistance", requesting, Rules.Draft);
            foreach (var (name, definition) in Definitions)
            {
                foreach (var step in definition.Steps.Where(s => Rules.PathTo(definition, Rules.Facts(name, requesting), s.Id) is not null))
                {
                    data.Add(name, requesting, step.Id);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(States))]
    public async Task Every_user_gets_the_answer_the_rules_give_at_every_step(string workflow, string requesting, string step)
    {
        var definition = Definitions[workflow];
        var facts = Rules.Facts(workflow, requesting);
        var (id, model) = await CarryAsync(definition, facts, step);
        var owner = await app.AsAsync(facts.Owner.Email);
        var request = (await owner.GetJsonAsync($"/api/requests/{id}")).Body;
        var version = request.Number("version");
        var status = request.Str("status");
        var stepDefinition = step == Rules.Draft ? null : definition.FindStep(step)!;
        var decisions = DecisionsToTry(definition, stepDefinition);
        var needsComment = stepDefinition?.Decisions.Where(d => d.CommentRequired).Select(d => d.Name).ToHashSet() ?? [];
        var failures = new System.Collections.Concurrent.ConcurrentQueue<string>();
        void Expect(bool condition, string what)
        {
            if (!condition)
            {
                failures.Enqueue(what);
            }
        }

        // Users are independent and none of these answers changes the request: several users at a time.
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = 6 };
        await Parallel.ForEachAsync(DevelopmentSeed.Users, parallel, async (user, cancellationToken) =>
        {
            var client = await app.AsAsync(user.Email);
            var sees = Rules.Sees(definition, model, user);
            var who = $"{user.Email} at {workflow} {requesting}->{facts.Receiving} {step}";
            var hidden = sees ? HttpStatusCode.OK : HttpStatusCode.NotFound;

            // Reads: the request (with its comments), its history.
            var (getStatus, got) = await client.GetJsonAsync($"/api/requests/{id}");
            Expect(getStatus == hidden, $"{who}: GET gave {getStatus}, expected {hidden}");
            var allowed = stepDefinition is null
                ? (user.Email == facts.Owner.Email ? ["submit"] : [])
                : Rules.Allowed(stepDefinition, model, user);
            if (sees && getStatus == HttpStatusCode.OK)
            {
                Expect(allowed.Order().SequenceEqual(got.Strings("allowedDecisions").Order()),
                    $"{who}: offered [{string.Join(", ", got.Strings("allowedDecisions"))}], expected [{string.Join(", ", allowed)}]");
                Expect(got.GetProperty("comments").GetArrayLength() == 0, $"{who}: sees comments on a request nobody commented on");
            }

            var (historyStatus, _) = await client.GetJsonAsync($"/api/requests/{id}/history");
            Expect(historyStatus == hidden, $"{who}: history gave {historyStatus}, expected {hidden}");

            // Search with each filter the API describes: matching filters find it exactly for those who see it.
            foreach (var query in new[]
            {
                $"status={status}&type={facts.Type}&country={facts.Requesting}",
                $"country={facts.Receiving}&pageSize=100",
                "pageSize=100",
            })
            {
                var (_, page) = await client.GetJsonAsync($"/api/requests?{query}");
                Expect(sees == Contains(page, "items", "id", id), $"{who}: search ?{query} {(sees ? "misses" : "shows")} it");
            }

            var (_, otherType) = await client.GetJsonAsync($"/api/requests?type={(facts.Type == "arrest" ? "asset-tracing" : "arrest")}&pageSize=100");
            Expect(!Contains(otherType, "items", "id", id), $"{who}: search by another type shows it");

            // Inbox: exactly the users the current step names (a parallel branch until it votes).
            var assigned = stepDefinition is not null && Rules.Assigned(stepDefinition, model, user);
            foreach (var query in new[] { "", $"?type={facts.Type}&priority=normal&country={facts.Receiving}" })
            {
                var (_, inbox) = await client.GetJsonAsync($"/api/inbox{query}");
                Expect(assigned == Contains(inbox, "items", "requestId", id), $"{who}: inbox{query} {(assigned ? "misses" : "shows")} it");
            }

            var (_, critical) = await client.GetJsonAsync("/api/inbox?priority=critical");
            Expect(!Contains(critical, "items", "requestId", id), $"{who}: inbox filtered by another priority shows it");

            // Editing: the owner, on a draft or a step that lets them edit; a stale version then proves access without a change.
            var editable = user.Email == facts.Owner.Email && (stepDefinition is null || (stepDefinition.Editable && allowed.Count > 0));
            var (updateStatus, updateProblem) = await client.SendJsonAsync(HttpMethod.Put, $"/api/requests/{id}", Edit(user, version + 100));
            var expectedUpdate = !sees ? HttpStatusCode.NotFound : editable ? HttpStatusCode.Conflict : HttpStatusCode.Forbidden;
            Expect(updateStatus == expectedUpdate, $"{who}: update gave {updateStatus} {Brief(updateProblem)}, expected {expectedUpdate}");

            // Decisions: each of the step's, and one it does not take. One the user may take without a comment would
            // change the request; those are taken for real below, on requests of their own.
            foreach (var decision in decisions.Where(d => needsComment.Contains(d) || !allowed.Contains(d)))
            {
                var expected = ExpectedDecision(stepDefinition, decision, sees, allowed);
                var (decideStatus, problem) = await client.PostJsonAsync($"/api/requests/{id}/decisions", new { decision, version });
                Expect(decideStatus == expected, $"{who}: '{decision}' without a comment gave {decideStatus} {Brief(problem)}, expected {expected}");
                if (expected == HttpStatusCode.BadRequest && allowed.Contains(decision))
                {
                    Expect(problem.GetProperty("errors").TryGetProperty("comment", out _), $"{who}: '{decision}' refused for something else than its comment: {Brief(problem)}");
                }
            }
        });

        // Commenting: whoever sees it, except auditors, who only read; everyone who sees it reads every comment.
        // One at a time: comments at the same moment on one request race for the next entry of its audit chain (409).
        var comments = 0;
        foreach (var user in DevelopmentSeed.Users)
        {
            var client = await app.AsAsync(user.Email);
            var sees = Rules.Sees(definition, model, user);
            var who = $"{user.Email} at {workflow} {requesting}->{facts.Receiving} {step}";
            var (commentStatus, commentProblem) = await client.PostJsonAsync($"/api/requests/{id}/comments", new { text = $"Note from {user.Name}." });
            var expectedComment = !sees ? HttpStatusCode.NotFound : user.Role == "Auditor" ? HttpStatusCode.Forbidden : HttpStatusCode.Created;
            Expect(commentStatus == expectedComment, $"{who}: comment gave {commentStatus} {Brief(commentProblem)}, expected {expectedComment}");
            if (commentStatus == HttpStatusCode.Created)
            {
                comments++;
            }
        }

        var after = (await owner.GetJsonAsync($"/api/requests/{id}")).Body;
        Expect(after.Number("version") == version && after.Str("status") == status, "the request changed under refused decisions");
        Expect(after.GetProperty("comments").GetArrayLength() == comments, $"the owner reads {after.GetProperty("comments").GetArrayLength()} comments of {comments}");
        foreach (var user in DevelopmentSeed.Users.Where(u => Rules.Sees(definition, model, u)))
        {
            var (_, read) = await (await app.AsAsync(user.Email)).GetJsonAsync($"/api/requests/{id}");
            Expect(read.GetProperty("comments").GetArrayLength() == comments, $"{user.Email} reads {read.GetProperty("comments").GetArrayLength()} comments of {comments}");
        }

        Assert.True(failures.IsEmpty, $"{failures.Count} wrong answers:\n{string.Join("\n", failures)}");

        // The decisions the rules allow without a comment, taken for real on a fresh request at this step.
        foreach (var decision in stepDefinition?.Decisions.Where(d => !d.CommentRequired) ?? [])
        {
            foreach (var user in DevelopmentSeed.Users.Where(u => Rules.Allowed(stepDefinition!, model, u).Contains(decision.Name)))
            {
                var (freshId, _) = await CarryAsync(definition, facts, step);
                var (taken, body) = await (await app.AsAsync(user.Email)).PostJsonAsync($"/api/requests/{freshId}/decisions",
                    new { decision = decision.Name, version = (await owner.GetJsonAsync($"/api/requests/{freshId}")).Body.Number("version") });
                Assert.True(taken == HttpStatusCode.OK, $"{user.Email} may '{decision.Name}' at {step} but got {taken} {Brief(body)}");
            }
        }
    }

    private static HttpStatusCode ExpectedDecision(StepDefinition? step, string decision, bool sees, IReadOnlyCollection<string> allowed) =>
        !sees ? HttpStatusCode.NotFound
        : step is null ? HttpStatusCode.BadRequest                          // a draft takes only 'submit'
        : step.IsTerminal ? HttpStatusCode.Conflict                         // finished
        : step.Decisions.All(d => d.Name != decision) ? HttpStatusCode.BadRequest
        : allowed.Contains(decision) ? HttpStatusCode.BadRequest            // allowed, and refused only for want of a comment
        : HttpStatusCode.Forbidden;

    /// <summary>The step's decisions and one it does not take (on a finished request, a few of the definition's).</summary>
    private static string[] DecisionsToTry(WorkflowDefinition definition, StepDefinition? step)
    {
        var all = definition.Steps.SelectMany(s => s.Decisions).Select(d => d.Name).Distinct().ToArray();
        var own = step?.Decisions.Select(d => d.Name).ToArray() ?? [];
        return [.. own, all.First(n => !own.Contains(n)), .. step is { IsTerminal: true } ? all.Skip(1).Take(2) : []];
    }

    /// <summary>A new request by the side's officer carried along the definition to the step, as the rules let each user act.</summary>
    private async Task<(string Id, RequestModel Model)> CarryAsync(WorkflowDefinition definition, RequestFacts facts, string step)
    {
        var body = Scenario.NewRequest(facts.Receiving, type: facts.Type);
        body["submit"] = step != Rules.Draft;
        var (status, created) = await (await app.AsAsync(facts.Owner.Email)).PostJsonAsync("/api/requests", body);
        Assert.True(status == HttpStatusCode.Created, $"creating: {status} {created}");
        var id = created.Str("id");
        var model = new RequestModel(facts);
        if (step == Rules.Draft)
        {
            return (id, model);
        }

        model.Enter(definition.FindStep(definition.Start)!);
        foreach (var (user, decision, target) in Rules.PathTo(definition, facts, step)!)
        {
            var client = await app.AsAsync(user.Email);
            var version = (await client.GetJsonAsync($"/api/requests/{id}")).Body.Number("version");
            var (decided, answer) = await client.PostJsonAsync($"/api/requests/{id}/decisions", new { decision, comment = "Done.", version });
            Assert.True(decided == HttpStatusCode.OK, $"carrying to {step}: {user.Email} '{decision}' gave {decided} {Brief(answer)}");
            if (target is not null)
            {
                model.Enter(definition.FindStep(target)!);
            }
        }

        return (id, model);
    }

    private static Dictionary<string, object?> Edit(DevelopmentSeed.SeedUser user, int version)
    {
        var body = Scenario.NewRequest(user.Country == "KR" ? "KH" : "KR");
        body["submit"] = false;
        body["version"] = version;
        return body;
    }

    private static bool Contains(JsonElement page, string list, string property, string id) =>
        page.ValueKind == JsonValueKind.Object && page.TryGetProperty(list, out var items) && items.EnumerateArray().Any(i => i.Str(property) == id);

    private static string Brief(JsonElement body) =>
        body.ValueKind == JsonValueKind.Undefined ? "" : body.GetRawText() is var text && text.Length > 200 ? text[..200] : body.GetRawText();
}

/// <summary>The request's facts as the rules need them: who asks whom, whose it is, its type.</summary>
public sealed record RequestFacts(string Requesting, string Receiving, DevelopmentSeed.SeedUser Owner, string Type, string Priority)
{
    public string CountryOf(Side side) => side == Side.Requesting ? Requesting : Receiving;
}

/// <summary>Where the test has carried a request: transmitted or not, and how many comments it holds.</summary>
public sealed class RequestModel(RequestFacts facts)
{
    public RequestFacts Facts { get; } = facts;

    public bool Submitted { get; private set; }

    public bool Transmitted { get; private set; }

    public void Enter(StepDefinition step)
    {
        Submitted = true;
        Transmitted |= step.Actors().Any(a => a.Side == Side.Receiving);
    }
}

/// <summary>The access rules, as the documentation states them, applied to a definition.</summary>
public static class Rules
{
    public const string Draft = "(draft)";

    public static RequestFacts Facts(string workflow, string requesting)
    {
        var owner = DevelopmentSeed.Users.First(u => u.Country == requesting && u.Role == "Officer");
        return new RequestFacts(requesting, requesting == "KR" ? "KH" : "KR", owner, workflow == "urgent-rescue" ? "victim-rescue" : "evidence-exchange", "normal");
    }

    /// <summary>A user matches an actor: the role, the country of the actor's side, and the scope (the request's unit, or its owner).</summary>
    public static bool Matches(DevelopmentSeed.SeedUser user, ActorSpec actor, RequestFacts facts) =>
        user.Role == actor.Role && user.Country == facts.CountryOf(actor.Side) && actor.Scope switch
        {
            ActorScope.Owner => user.Email == facts.Owner.Email,
            ActorScope.Unit => user.Unit == facts.Owner.Unit,
            _ => true,
        };

    /// <summary>Everyone the definition names: step and branch actors, decisions' <c>by</c>, escalation targets.</summary>
    public static IEnumerable<ActorSpec> Participants(WorkflowDefinition definition) => definition.Steps.SelectMany(s =>
        s.Actors().Concat(s.Decisions.Select(d => d.By).OfType<ActorSpec>()).Concat(s.Escalation is { } e ? [e.To] : []));

    public static bool Sees(WorkflowDefinition definition, RequestModel request, DevelopmentSeed.SeedUser user)
    {
        var facts = request.Facts;
        if (user.Email == facts.Owner.Email)
        {
            return true;
        }

        bool SideSees(Side side) => user.Country == facts.CountryOf(side)
            && (user.Role == "Auditor" || Participants(definition).Any(p => p.Side == side && Matches(user, p, facts)));
        return (request.Submitted && SideSees(Side.Requesting)) || (request.Transmitted && SideSees(Side.Receiving));
    }

    /// <summary>The decisions a user may take at a step: a decision's <c>by</c> alone if it has one, else the step's actor or a branch.</summary>
    public static IReadOnlyCollection<string> Allowed(StepDefinition step, RequestModel request, DevelopmentSeed.SeedUser user) =>
        step.IsTerminal
            ? []
            : step.Decisions.Where(d => d.By is { } by ? Matches(user, by, request.Facts) : step.Actors().Any(a => Matches(user, a, request.Facts)))
                .Select(d => d.Name).ToArray();

    /// <summary>The current step names the user among those who must act (its actor, or a branch that has not voted).</summary>
    public static bool Assigned(StepDefinition step, RequestModel request, DevelopmentSeed.SeedUser user) =>
        step.Actors().Any(a => Matches(user, a, request.Facts));

    /// <summary>
    /// The decisions that carry a submitted request from the start to the step, each with a user the rules let take it
    /// and the step it leads to (null for a vote that leaves the step waiting for the other branches); null if unreachable.
    /// </summary>
    public static List<(DevelopmentSeed.SeedUser User, string Decision, string? Target)>? PathTo(WorkflowDefinition definition, RequestFacts facts, string target)
    {
        var model = new RequestModel(facts);
        var paths = new Dictionary<string, List<(DevelopmentSeed.SeedUser, string, string?)>> { [definition.Start] = [] };
        var queue = new Queue<string>([definition.Start]);
        while (queue.Count > 0)
        {
            var at = queue.Dequeue();
            if (at == target)
            {
                return paths[at];
            }

            var step = definition.FindStep(at)!;
            foreach (var decision in step.Decisions)
            {
                var next = Target(decision, facts);
                if (paths.ContainsKey(next))
                {
                    continue;
                }

                List<(DevelopmentSeed.SeedUser, string, string?)> moves;
                if (decision.Vote && step.Parallel is { } parallel)
                {
                    // Every branch votes (all-of); the last vote moves the request on.
                    var voters = parallel.Branches.Select(b => DevelopmentSeed.Users.FirstOrDefault(u => Matches(u, b.Actor, facts))).ToList();
                    if (voters.Any(v => v is null))
                    {
                        continue;
                    }

                    moves = [.. voters.Select((v, i) => (v!, decision.Name, i == voters.Count - 1 ? next : (string?)null))];
                }
                else
                {
                    var user = DevelopmentSeed.Users.FirstOrDefault(u => Allowed(step, model, u).Contains(decision.Name));
                    if (user is null)
                    {
                        continue;
                    }

                    moves = [(user, decision.Name, next)];
                }

                paths[next] = [.. paths[at], .. moves];
                queue.Enqueue(next);
            }
        }

        return null;
    }

    private static string Target(DecisionDefinition decision, RequestFacts facts)
    {
        if (decision.To is not null)
        {
            return decision.To;
        }

        foreach (var route in decision.Routes!)
        {
            if (route.When is not { } when)
            {
                return route.To;
            }

            var value = when.Field switch
            {
                "priority" => facts.Priority,
                "type" => facts.Type,
                "requestingCountry" => facts.Requesting,
                _ => facts.Receiving,
            };
            if (when.EqualTo == value || (when.In?.Contains(value) ?? false) || (when.NotIn is { } notIn && !notIn.Contains(value)))
            {
                return route.To;
            }
        }

        throw new InvalidOperationException("The last route has no condition.");
    }
}

public sealed class AuthorizationMatrixOnPostgres(PostgresFixture app) : AuthorizationMatrixTests(app), IClassFixture<PostgresFixture>;

public sealed class AuthorizationMatrixOnSqlite(SqliteFixture app) : AuthorizationMatrixTests(app), IClassFixture<SqliteFixture>;
