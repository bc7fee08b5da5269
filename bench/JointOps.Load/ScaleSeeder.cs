using System.Diagnostics;
using JointOps.Engine.Calendars;
using JointOps.Engine.Definitions;
using JointOps.Engine.Runtime;
using JointOps.Server.Audit;
using JointOps.Server.Persistence;
using Npgsql;
using NpgsqlTypes;

namespace JointOps.Load;

/// <summary>
/// Writes requests straight into the server's tables with binary COPY, in batches: both countries, every step of the
/// shipped workflows, many units, 5 years of finished history, with the grants, assignments, pending timers and audit
/// chains (valid hashes) the server would have written. Run it again to grow the same database; references continue
/// from the counters, which are moved on so the server's own numbering does not collide.
/// </summary>
public sealed class ScaleSeeder
{
    private const int Batch = 20_000;

    private static readonly string[] OtherTypes = ["arrest", "repatriation", "evidence-exchange", "information-sharing", "joint-operation", "asset-tracing", "formal-mla"];

    private readonly string _connectionString;
    private readonly Population _population;
    private readonly WorkflowRuntime _mutual;
    private readonly WorkflowRuntime _rescue;
    private readonly Dictionary<(string Path, string Country, string Type, string Priority), Template> _templates = [];
    private readonly Dictionary<(string Country, int Year), int> _counters = [];
    private readonly DateTimeOffset _now = Ms(DateTimeOffset.UtcNow);

    private ScaleSeeder(string connectionString, Population population, WorkflowRuntime mutual, WorkflowRuntime rescue)
    {
        _connectionString = connectionString;
        _population = population;
        _mutual = mutual;
        _rescue = rescue;
    }

    public Population Population => _population;

    /// <summary>Long-history requests (50 audit entries) seeded so far, by unit.</summary>
    public Dictionary<string, List<Guid>> LongHistory { get; } = [];

    public static async Task<ScaleSeeder> LoadAsync(string connectionString, string calendarsFolder)
    {
        var population = await Population.EnsureAsync(connectionString);
        var calendars = CalendarSet.Load(Directory.GetFiles(calendarsFolder, "*.json").Order(StringComparer.Ordinal)
            .Select(file => new CalendarSource(Path.GetFileName(file), File.ReadAllText(file))));
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        async Task<WorkflowRuntime> Latest(string name)
        {
            await using var command = new NpgsqlCommand(
                """SELECT "Json" FROM "WorkflowDefinitions" WHERE "Name" = @name AND "Status" = 'published' ORDER BY "Version" DESC LIMIT 1""", connection);
            command.Parameters.AddWithValue("name", name);
            var json = (string?)await command.ExecuteScalarAsync() ?? throw new InvalidOperationException($"The server installed no published {name}.");
            return new WorkflowRuntime(DefinitionLoader.Load(json).Definition!, calendars);
        }

        return new ScaleSeeder(connectionString, population, await Latest("mutual-assistance"), await Latest("urgent-rescue"));
    }

    /// <summary>
    /// Adds <paramref name="count"/> requests of every kind (the history). Large seeds drop the tables' secondary
    /// indexes and build them again afterwards, which is several times faster than maintaining them row by row.
    /// </summary>
    public async Task SeedHistoryAsync(int count, int seed)
    {
        var random = new Random(seed);
        await ReadCountersAsync();
        var rebuild = count >= 200_000 ? await DropIndexesAsync() : [];
        var clock = Stopwatch.StartNew();
        for (var done = 0; done < count; done += Batch)
        {
            var n = Math.Min(Batch, count - done);
            var planned = new List<Planned>(n);
            for (var k = 0; k < n; k++)
            {
                planned.Add(PlanHistory(random));
            }

            await WriteAsync(planned);
            if (count >= 100_000 && (done / Batch) % 10 == 9)
            {
                Console.WriteLine($"  seeded {done + n:#,0} of {count:#,0} in {clock.Elapsed.TotalSeconds:0} s");
            }
        }

        if (rebuild.Count > 0)
        {
            await RebuildIndexesAsync(rebuild);
        }

        await AnalyzeAsync();
    }

    /// <summary>
    /// Fresh requests at supervisor-review owned by each client's officer (normal priority, just submitted, with the
    /// engine's timers): the decision modes drive them through the workflow. Returns their ids by client.
    /// </summary>
    public async Task<List<Guid>[]> SeedPoolsAsync(IReadOnlyList<ClientUsers> clients, int perClient)
    {
        var pools = clients.Select(_ => new List<Guid>(perClient)).ToArray();
        await ReadCountersAsync();
        var entered = _now.AddMinutes(-1);
        var planned = new List<Planned>();
        for (var c = 0; c < clients.Count; c++)
        {
            var client = clients[c];
            var template = TemplateFor("at supervisor-review", [], client.Country, "evidence-exchange", "normal");
            for (var k = 0; k < perClient; k++)
            {
                var p = Plan(template, client.Officer, "evidence-exchange", "normal", entered - Templates.Origin);
                pools[c].Add(p.Id);
                planned.Add(p);
                if (planned.Count == Batch)
                {
                    await WriteAsync(planned);
                    planned.Clear();
                }
            }
        }

        await WriteAsync(planned);
        await AnalyzeAsync();
        return pools;
    }

    private Planned PlanHistory(Random random)
    {
        var country = random.NextDouble() < 0.55 ? "KR" : "KH";
        var units = _population.UnitsByCountry[country];
        var unit = units[random.Next(units.Count)];
        var officers = _population.Officers[unit];
        var owner = officers[random.Next(officers.Count)];

        // The first request of every unit, and one in 2,000 after, has a 50-entry history.
        var longHistory = !LongHistory.ContainsKey(unit) || random.Next(2_000) == 0;
        string type, priority, path;
        string[] decisions;
        if (longHistory)
        {
            (type, priority, path, decisions) = ("evidence-exchange", "normal", "long history", Templates.LongHistory);
        }
        else if (random.Next(10) == 0)
        {
            type = "victim-rescue";
            priority = random.Next(10) < 6 ? "critical" : "urgent";
            (path, decisions) = Pick(Templates.UrgentRescue, random);
        }
        else
        {
            type = OtherTypes[random.Next(OtherTypes.Length)];
            var p = random.Next(100);
            priority = p < 80 ? "normal" : p < 95 ? "urgent" : "critical";
            (path, decisions) = Pick(Templates.MutualAssistance, random);
        }

        var template = TemplateFor(path, decisions, country, type, priority);
        TimeSpan shift;
        if (template.Open)
        {
            // Waiting now: entered its step within the last week, with every timer still ahead (none fires at once).
            var entered = template.State.EnteredAt;
            var first = template.PendingTimers.Count > 0 ? template.PendingTimers.Min(t => t.DueAt) - entered : TimeSpan.FromDays(7);
            var back = TimeSpan.FromTicks((long)(random.NextDouble() * Math.Min(first.Ticks * 0.9, TimeSpan.FromDays(7).Ticks)));
            shift = _now - back - entered;
        }
        else
        {
            // Finished: submitted at any time in the last 5 years, finished at least a month ago.
            var span = template.LastAt - Templates.Origin;
            var latest = _now - TimeSpan.FromDays(30) - span;
            var earliest = _now - TimeSpan.FromDays(5 * 365);
            var submitted = earliest + TimeSpan.FromTicks((long)(random.NextDouble() * Math.Max(0, (latest - earliest).Ticks)));
            shift = submitted - Templates.Origin;
        }

        var planned = Plan(template, owner, type, priority, shift);
        if (longHistory)
        {
            (LongHistory.TryGetValue(unit, out var list) ? list : LongHistory[unit] = []).Add(planned.Id);
        }

        return planned;
    }

    private static (string, string[]) Pick((string Name, int Weight, string[] Decisions)[] paths, Random random)
    {
        var roll = random.Next(paths.Sum(p => p.Weight));
        foreach (var (name, weight, decisions) in paths)
        {
            if ((roll -= weight) < 0)
            {
                return (name, decisions);
            }
        }

        throw new InvalidOperationException("unreachable");
    }

    private Template TemplateFor(string path, string[] decisions, string country, string type, string priority)
    {
        // Types of one workflow differ only in the type field: one template per workflow serves them all.
        var runtime = type == "victim-rescue" ? _rescue : _mutual;
        var key = (path, country, runtime == _rescue ? type : "*", priority);
        if (!_templates.TryGetValue(key, out var template))
        {
            _templates[key] = template = Templates.Play(runtime, path, country, type, priority, decisions);
        }

        return template;
    }

    /// <summary>A request and its rows, the template shifted by <paramref name="shift"/> (whole milliseconds).</summary>
    private Planned Plan(Template template, BenchUser owner, string type, string priority, TimeSpan shift)
    {
        shift = TimeSpan.FromMilliseconds(Math.Floor(shift.TotalMilliseconds));
        var submitted = Templates.Origin + shift;
        var created = submitted.AddMinutes(-5);
        var state = template.State;
        var runtime = template.Runtime;
        var counter = (owner.Country, created.Year);
        var number = _counters[counter] = _counters.GetValueOrDefault(counter) + 1;
        var request = new Planned
        {
            Id = Guid.CreateVersion7(created),
            Reference = $"{owner.Country}-{created.Year}-{number:D6}",
            Type = type,
            Priority = priority,
            Owner = owner,
            ReceivingCountry = owner.Country == "KR" ? "KH" : "KR",
            Status = template.Outcome ?? RequestStatus.InProgress,
            Workflow = runtime.Definition.Name,
            WorkflowVersion = runtime.Definition.Version,
            Step = state.Step,
            StepEnteredAt = state.EnteredAt + shift,
            DueAt = state.DueAt + shift,
            Votes = state.Votes,
            Transmitted = template.Transmitted,
            Version = 1 + template.Decisions.Count,
            CreatedAt = created,
            SubmittedAt = submitted,
            UpdatedAt = template.LastAt + shift,
            ClosedAt = template.Open ? null : template.LastAt + shift,
        };

        var facts = new RequestFacts(owner.Country, request.ReceivingCountry, owner.Id, owner.Unit, type, priority);
        foreach (var side in template.Transmitted ? new[] { Side.Requesting, Side.Receiving } : [Side.Requesting])
        {
            // As WorkflowWriter.Grant: the side's participants (owner-scoped ones see it as owners) and its auditors.
            var grants = new HashSet<(string Role, string? Unit)> { ("Auditor", null) };
            foreach (var participant in runtime.Participants.Where(p => p.Side == side && p.Scope != ActorScope.Owner))
            {
                grants.Add((participant.Role, participant.Scope == ActorScope.Unit ? owner.Unit : null));
            }

            request.Grants.AddRange(grants.Select(g => (facts.CountryOf(side), g.Role, g.Unit)));
        }

        if (template.Open)
        {
            // As WorkflowWriter: one assignment per actor of the step, less the parallel branches that have voted.
            foreach (var (actor, branch) in runtime.Step(state.Step).ActorsWithBranches())
            {
                if (branch is null || !state.Votes.Contains(branch))
                {
                    request.Assignments.Add((facts.CountryOf(actor.Side), actor.Role, actor.Scope == ActorScope.Unit ? owner.Unit : null,
                        actor.Scope == ActorScope.Owner ? owner.Id : null, branch));
                }
            }

            request.Timers.AddRange(template.PendingTimers.Select(t => (TimerKinds.Of(t.Kind), t.DueAt + shift)));
        }

        var previous = "";
        var sequence = 0;
        void Audit(BenchUser actor, DateTimeOffset at, string action, string? from, string? to, string? decision, string? comment)
        {
            var entry = new AuditEntry
            {
                Stream = request.Reference,
                RequestId = request.Id,
                Sequence = ++sequence,
                At = at,
                ActorId = actor.Id,
                ActorName = actor.Name,
                Roles = actor.Role,
                Country = actor.Country,
                Action = action,
                FromStep = from,
                ToStep = to,
                Decision = decision,
                Comment = comment,
                PreviousHash = previous,
            };
            entry.Hash = previous = AuditChain.Hash(entry);
            request.Audit.Add(entry);
        }

        Audit(owner, created, "created", null, null, null, null);
        Audit(owner, submitted, "submitted", null, template.Start.State.Step, "submit", null);
        foreach (var decision in template.Decisions)
        {
            var by = decision.By;
            var actor = by.Scope switch
            {
                ActorScope.Owner => owner,
                ActorScope.Unit when by.Role == "Supervisor" => _population.Supervisors[owner.Unit],
                _ => _population.CountryUser(by.Role, facts.CountryOf(by.Side)),
            };
            Audit(actor, decision.At + shift, "decided", decision.Transition.FromStep, decision.Transition.State.Step, decision.Transition.Decision, decision.Comment);
        }

        return request;
    }

    private async Task WriteAsync(List<Planned> planned)
    {
        if (planned.Count == 0)
        {
            return;
        }

        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var writer = await connection.BeginBinaryImportAsync("""
            COPY "Requests" ("Id", "Reference", "Type", "Priority", "UrgencyReason", "Title", "Facts", "Purpose", "LegalBasis", "Offences", "Subjects",
                "Measures", "Confidentiality", "Language", "RequestingCountry", "ReceivingCountry", "Unit", "OwnerId", "OwnerName", "Status",
                "Workflow", "WorkflowVersion", "Step", "StepEnteredAt", "DueAt", "Votes", "Transmitted", "Version",
                "CreatedAt", "UpdatedAt", "SubmittedAt", "ClosedAt", "Escalations", "AuditSequence", "AuditHash") FROM STDIN (FORMAT BINARY)
            """))
        {
            foreach (var r in planned)
            {
                writer.StartRow();
                writer.Write(r.Id, NpgsqlDbType.Uuid);
                writer.Write(r.Reference, NpgsqlDbType.Varchar);
                writer.Write(r.Type, NpgsqlDbType.Varchar);
                writer.Write(r.Priority, NpgsqlDbType.Varchar);
                Nullable(writer, r.Priority == "normal" ? null : "Victims are held in the compound now.");
                writer.Write(r.Type == "victim-rescue" ? $"Rescue of a worker confined in compound {r.Reference[^4..]}" : $"Call records and accounts of scam compound {r.Reference[^4..]}", NpgsqlDbType.Varchar);
                writer.Write(FactsText, NpgsqlDbType.Varchar);
                writer.Write("To identify who ran the calls and where the proceeds went.", NpgsqlDbType.Varchar);
                writer.Write("Treaty on Mutual Legal Assistance in Criminal Matters; reciprocity", NpgsqlDbType.Varchar);
                writer.Write(OffencesJson, NpgsqlDbType.Text);
                writer.Write(SubjectsJson, NpgsqlDbType.Text);
                writer.Write(MeasuresJson, NpgsqlDbType.Text);
                writer.Write("H1", NpgsqlDbType.Varchar);
                writer.Write("en", NpgsqlDbType.Varchar);
                writer.Write(r.Owner.Country, NpgsqlDbType.Varchar);
                writer.Write(r.ReceivingCountry, NpgsqlDbType.Varchar);
                writer.Write(r.Owner.Unit, NpgsqlDbType.Varchar);
                writer.Write(r.Owner.Id, NpgsqlDbType.Varchar);
                writer.Write(r.Owner.Name, NpgsqlDbType.Varchar);
                writer.Write(r.Status, NpgsqlDbType.Varchar);
                writer.Write(r.Workflow, NpgsqlDbType.Varchar);
                writer.Write(r.WorkflowVersion, NpgsqlDbType.Integer);
                writer.Write(r.Step, NpgsqlDbType.Varchar);
                writer.Write(r.StepEnteredAt.UtcDateTime, NpgsqlDbType.TimestampTz);
                Nullable(writer, r.DueAt);
                writer.Write(System.Text.Json.JsonSerializer.Serialize(r.Votes), NpgsqlDbType.Text);
                writer.Write(r.Transmitted, NpgsqlDbType.Boolean);
                writer.Write(r.Version, NpgsqlDbType.Integer);
                writer.Write(r.CreatedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
                writer.Write(r.UpdatedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
                writer.Write(r.SubmittedAt.UtcDateTime, NpgsqlDbType.TimestampTz);
                Nullable(writer, r.ClosedAt);
                writer.Write(0, NpgsqlDbType.Integer);

                // The chain's end, as the server anchors it on the request.
                writer.Write(r.Audit[^1].Sequence, NpgsqlDbType.Integer);
                writer.Write(r.Audit[^1].Hash, NpgsqlDbType.Varchar);
            }

            await writer.CompleteAsync();
        }

        await using (var writer = await connection.BeginBinaryImportAsync(
            """COPY "Grants" ("RequestId", "Country", "Role", "Unit") FROM STDIN (FORMAT BINARY)"""))
        {
            foreach (var r in planned)
            {
                foreach (var (country, role, unit) in r.Grants)
                {
                    writer.StartRow();
                    writer.Write(r.Id, NpgsqlDbType.Uuid);
                    writer.Write(country, NpgsqlDbType.Varchar);
                    writer.Write(role, NpgsqlDbType.Varchar);
                    Nullable(writer, unit);
                }
            }

            await writer.CompleteAsync();
        }

        await using (var writer = await connection.BeginBinaryImportAsync(
            """COPY "Assignments" ("RequestId", "Country", "Role", "Unit", "UserId", "Branch", "Step", "DueAt") FROM STDIN (FORMAT BINARY)"""))
        {
            foreach (var r in planned)
            {
                foreach (var (country, role, unit, userId, branch) in r.Assignments)
                {
                    writer.StartRow();
                    writer.Write(r.Id, NpgsqlDbType.Uuid);
                    writer.Write(country, NpgsqlDbType.Varchar);
                    writer.Write(role, NpgsqlDbType.Varchar);
                    Nullable(writer, unit);
                    Nullable(writer, userId);
                    Nullable(writer, branch);
                    writer.Write(r.Step, NpgsqlDbType.Varchar);
                    Nullable(writer, r.DueAt);
                }
            }

            await writer.CompleteAsync();
        }

        await using (var writer = await connection.BeginBinaryImportAsync("""
            COPY "AuditEntries" ("Stream", "RequestId", "Sequence", "At", "ActorId", "ActorName", "Roles", "Country", "Action",
                "FromStep", "ToStep", "Decision", "Comment", "PreviousHash", "Hash") FROM STDIN (FORMAT BINARY)
            """))
        {
            foreach (var entry in planned.SelectMany(r => r.Audit))
            {
                writer.StartRow();
                writer.Write(entry.Stream, NpgsqlDbType.Varchar);
                writer.Write(entry.RequestId!.Value, NpgsqlDbType.Uuid);
                writer.Write(entry.Sequence, NpgsqlDbType.Integer);
                writer.Write(entry.At.UtcDateTime, NpgsqlDbType.TimestampTz);
                writer.Write(entry.ActorId, NpgsqlDbType.Varchar);
                writer.Write(entry.ActorName, NpgsqlDbType.Varchar);
                writer.Write(entry.Roles, NpgsqlDbType.Varchar);
                writer.Write(entry.Country, NpgsqlDbType.Varchar);
                writer.Write(entry.Action, NpgsqlDbType.Varchar);
                Nullable(writer, entry.FromStep);
                Nullable(writer, entry.ToStep);
                Nullable(writer, entry.Decision);
                Nullable(writer, entry.Comment);
                writer.Write(entry.PreviousHash, NpgsqlDbType.Varchar);
                writer.Write(entry.Hash, NpgsqlDbType.Varchar);
            }

            await writer.CompleteAsync();
        }

        await using (var writer = await connection.BeginBinaryImportAsync(
            """COPY "Timers" ("RequestId", "Step", "StepEnteredAt", "Kind", "DueAt", "State") FROM STDIN (FORMAT BINARY)"""))
        {
            foreach (var r in planned)
            {
                foreach (var (kind, due) in r.Timers)
                {
                    writer.StartRow();
                    writer.Write(r.Id, NpgsqlDbType.Uuid);
                    writer.Write(r.Step, NpgsqlDbType.Varchar);
                    writer.Write(r.StepEnteredAt.UtcDateTime, NpgsqlDbType.TimestampTz);
                    writer.Write(kind, NpgsqlDbType.Varchar);
                    writer.Write(due.UtcDateTime, NpgsqlDbType.TimestampTz);
                    writer.Write(TimerState.Pending, NpgsqlDbType.Varchar);
                }
            }

            await writer.CompleteAsync();
        }

        // Move the server's reference counters past what was written.
        await using (var counters = new NpgsqlCommand("""
            INSERT INTO "ReferenceCounters" ("Country", "Year", "Last") SELECT * FROM unnest(@countries, @years, @lasts)
            ON CONFLICT ("Country", "Year") DO UPDATE SET "Last" = greatest("ReferenceCounters"."Last", excluded."Last")
            """, connection, transaction))
        {
            counters.Parameters.AddWithValue("countries", _counters.Keys.Select(k => k.Country).ToArray());
            counters.Parameters.AddWithValue("years", _counters.Keys.Select(k => k.Year).ToArray());
            counters.Parameters.AddWithValue("lasts", _counters.Values.ToArray());
            await counters.ExecuteNonQueryAsync();
        }

        await transaction.CommitAsync();
    }

    /// <summary>Continues the numbering from what the database holds (the server numbers its own submissions too).</summary>
    private async Task ReadCountersAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""SELECT "Country", "Year", "Last" FROM "ReferenceCounters" """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var key = (reader.GetString(0), reader.GetInt32(1));
            _counters[key] = Math.Max(_counters.GetValueOrDefault(key), reader.GetInt32(2));
        }
    }

    /// <summary>Finds the long-history requests of an earlier seed (those with a 50th audit entry).</summary>
    public async Task FindLongHistoryAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT r."Unit", r."Id" FROM "AuditEntries" e JOIN "Requests" r ON r."Id" = e."RequestId" WHERE e."Sequence" = 50
            """, connection) { CommandTimeout = 600 };
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var unit = reader.GetString(0);
            (LongHistory.TryGetValue(unit, out var list) ? list : LongHistory[unit] = []).Add(reader.GetGuid(1));
        }
    }

    private static readonly string[] SeededTables = ["Requests", "Grants", "Assignments", "AuditEntries", "Timers"];

    private async Task<List<(string Name, string Definition)>> DropIndexesAsync()
    {
        var indexes = new List<(string, string)>();
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using (var command = new NpgsqlCommand("""
            SELECT indexname, indexdef FROM pg_indexes
            WHERE schemaname = 'public' AND tablename = ANY(@tables) AND indexname NOT LIKE 'PK\_%'
            """, connection))
        {
            command.Parameters.AddWithValue("tables", SeededTables);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
            {
                indexes.Add((reader.GetString(0), reader.GetString(1)));
            }
        }

        foreach (var (name, _) in indexes)
        {
            await using var drop = new NpgsqlCommand($"DROP INDEX \"{name}\"", connection);
            await drop.ExecuteNonQueryAsync();
        }

        return indexes;
    }

    private async Task RebuildIndexesAsync(List<(string Name, string Definition)> indexes)
    {
        Console.WriteLine($"  building {indexes.Count} indexes again");
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using (var memory = new NpgsqlCommand("SET maintenance_work_mem = '512MB'", connection))
        {
            await memory.ExecuteNonQueryAsync();
        }

        foreach (var (_, definition) in indexes)
        {
            await using var create = new NpgsqlCommand(definition, connection) { CommandTimeout = 1800 };
            await create.ExecuteNonQueryAsync();
        }
    }

    private async Task AnalyzeAsync()
    {
        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var analyze = new NpgsqlCommand("""VACUUM ANALYZE "Requests", "Grants", "Assignments", "AuditEntries", "Timers" """, connection) { CommandTimeout = 1800 };
        await analyze.ExecuteNonQueryAsync();
    }

    private static void Nullable(NpgsqlBinaryImporter writer, string? value)
    {
        if (value is null)
        {
            writer.WriteNull();
        }
        else
        {
            writer.Write(value, NpgsqlDbType.Varchar);
        }
    }

    private static void Nullable(NpgsqlBinaryImporter writer, DateTimeOffset? value)
    {
        if (value is { } v)
        {
            writer.Write(v.UtcDateTime, NpgsqlDbType.TimestampTz);
        }
        else
        {
            writer.WriteNull();
        }
    }

    private static DateTimeOffset Ms(DateTimeOffset at) => new(at.Ticks - at.Ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero);

    private sealed class Planned
    {
        public Guid Id { get; init; }
        public string Reference { get; init; } = "";
        public string Type { get; init; } = "";
        public string Priority { get; init; } = "";
        public BenchUser Owner { get; init; } = null!;
        public string ReceivingCountry { get; init; } = "";
        public string Status { get; init; } = "";
        public string Workflow { get; init; } = "";
        public int WorkflowVersion { get; init; }
        public string Step { get; init; } = "";
        public DateTimeOffset StepEnteredAt { get; init; }
        public DateTimeOffset? DueAt { get; init; }
        public IReadOnlyList<string> Votes { get; init; } = [];
        public bool Transmitted { get; init; }
        public int Version { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
        public DateTimeOffset SubmittedAt { get; init; }
        public DateTimeOffset UpdatedAt { get; init; }
        public DateTimeOffset? ClosedAt { get; init; }
        public List<(string Country, string Role, string? Unit)> Grants { get; } = [];
        public List<(string Country, string Role, string? Unit, string? UserId, string? Branch)> Assignments { get; } = [];
        public List<(string Kind, DateTimeOffset DueAt)> Timers { get; } = [];
        public List<AuditEntry> Audit { get; } = [];
    }

    private const string FactsText =
        "41 victims in Korea were defrauded through romance and investment scams run from a compound in Sihanoukville; " +
        "call records, account statements and the identities of the recruiters are sought to establish who ran the calls " +
        "and where the proceeds went. The victims' statements and the first transfers are attached to the file.";

    private const string OffencesJson = """[{"description":"Fraud","law":"Criminal Act Art. 347","penalty":"Up to 10 years"}]""";

    private const string SubjectsJson =
        """[{"name":"Suspect A","role":"suspect","nationality":"KR","dateOfBirth":"1990-02-01","lastKnownLocation":"Sihanoukville"}]""";

    private const string MeasuresJson = """["Call records of +855 12 345 678","Statements of account 001-234-567"]""";
}
