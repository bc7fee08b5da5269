using JointOps.Engine.Calendars;
using JointOps.Engine.Definitions;
using JointOps.Engine.Runtime;
using JointOps.Server.Audit;
using JointOps.Server.Features.Requests;
using JointOps.Server.Persistence;
using Npgsql;
using NpgsqlTypes;

namespace JointOps.Deadlines.Bench;

/// <summary>A seeded user of the Development seed, as stored.</summary>
public sealed record SeededUser(string Id, string Email, string Name, string Country, string Unit);

/// <summary>One timer to write for a seeded request.</summary>
public sealed record SeedTimer(string Kind, DateTimeOffset DueAt);

/// <summary>
/// Writes in-progress requests at the start step of mutual-assistance straight into the server's tables with binary
/// COPY, in one transaction: the rows a submission writes (request, grants, assignments, the audit chain's two
/// entries with valid hashes) and the timers the caller chooses.
/// </summary>
public sealed class Seeder
{
    public const string Workflow = "mutual-assistance";

    // Owners by country: two Korean units and the Cambodian task force, each with a supervisor in the Development seed.
    private static readonly string[] OwnerEmails = ["officer.kr@jointops.test", "officer.kh@jointops.test", "officer2.kr@jointops.test", "officer.kh@jointops.test"];

    private readonly string _connectionString;
    private readonly Dictionary<string, SeededUser> _users;

    private Seeder(string connectionString, Dictionary<string, SeededUser> users, WorkflowRuntime runtime, int version)
    {
        _connectionString = connectionString;
        _users = users;
        Runtime = runtime;
        Version = version;
    }

    public WorkflowRuntime Runtime { get; }

    public int Version { get; }

    public SeededUser User(string email) => _users[email];

    /// <summary>Reads what the server installed on start: the Development users and the published definition.</summary>
    public static async Task<Seeder> LoadAsync(string connectionString, string calendarsFolder)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        var users = new Dictionary<string, SeededUser>(StringComparer.Ordinal);
        await using (var command = new NpgsqlCommand("""SELECT "Id", "Email", "DisplayName", "Country", "Unit" FROM "AspNetUsers" """, connection))
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                var user = new SeededUser(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4));
                users[user.Email] = user;
            }
        }

        await using var definition = new NpgsqlCommand(
            """SELECT "Version", "Json" FROM "WorkflowDefinitions" WHERE "Name" = @name AND "Status" = 'published' ORDER BY "Version" DESC LIMIT 1""", connection);
        definition.Parameters.AddWithValue("name", Workflow);
        await using var row = await definition.ExecuteReaderAsync();
        if (!await row.ReadAsync())
        {
            throw new InvalidOperationException($"The server installed no published {Workflow}.");
        }

        var version = row.GetInt32(0);
        var loaded = DefinitionLoader.Load(row.GetString(1));
        var calendars = CalendarSet.Load(Directory.GetFiles(calendarsFolder, "*.json").Order(StringComparer.Ordinal)
            .Select(file => new CalendarSource(Path.GetFileName(file), File.ReadAllText(file))));
        return new Seeder(connectionString, users, new WorkflowRuntime(loaded.Definition!, calendars), version);
    }

    /// <summary>The request's owner for seed number <paramref name="i"/>: KR Seoul, KH, KR Busan, KH, ...</summary>
    public SeededUser OwnerOf(int i) => _users[OwnerEmails[i % OwnerEmails.Length]];

    /// <summary>The supervisor who may decide on seed number <paramref name="i"/>'s request (same country and unit).</summary>
    public SeededUser SupervisorOf(int i)
    {
        var owner = OwnerOf(i);
        return _users.Values.Single(u => u.Country == owner.Country && u.Unit == owner.Unit && u.Email.StartsWith("supervisor", StringComparison.Ordinal));
    }

    /// <summary>
    /// Seeds <paramref name="count"/> requests numbered from <paramref name="first"/>; <paramref name="plan"/> gives each
    /// one's step entry time, deadline and timers. Returns the request ids in seed order and the highest timer id written.
    /// </summary>
    public async Task<(Guid[] Ids, long MaxTimerId)> SeedAsync(int first, int count,
        Func<int, (DateTimeOffset EnteredAt, DateTimeOffset DueAt, IReadOnlyList<SeedTimer> Timers)> plan)
    {
        var step = Runtime.Step(Runtime.Definition.Start);
        var ids = new Guid[count];
        var plans = new (DateTimeOffset EnteredAt, DateTimeOffset DueAt, IReadOnlyList<SeedTimer> Timers)[count];
        for (var k = 0; k < count; k++)
        {
            plans[k] = plan(first + k);
            ids[k] = Guid.CreateVersion7(plans[k].EnteredAt);
        }

        // Each request's audit chain (created, submitted); the request row keeps the chain's end as its anchor.
        var chains = new AuditEntry[count][];
        for (var k = 0; k < count; k++)
        {
            var i = first + k;
            var owner = OwnerOf(i);
            var entered = plans[k].EnteredAt;
            chains[k] =
            [
                Entry(Reference(owner.Country, i), ids[k], 1, entered.AddMinutes(-5), owner, "created", null, null, null),
                Entry(Reference(owner.Country, i), ids[k], 2, entered, owner, "submitted", null, step.Id, "submit"),
            ];
            var previous = "";
            foreach (var entry in chains[k])
            {
                entry.PreviousHash = previous;
                entry.Hash = previous = AuditChain.Hash(entry);
            }
        }

        await using var connection = new NpgsqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();

        await using (var writer = await connection.BeginBinaryImportAsync("""
            COPY "Requests" ("Id", "Reference", "Type", "Priority", "Title", "Facts", "LegalBasis", "Offences", "Subjects", "Measures",
                "Confidentiality", "Language", "RequestingCountry", "ReceivingCountry", "Unit", "OwnerId", "OwnerName", "Status",
                "Workflow", "WorkflowVersion", "Step", "StepEnteredAt", "DueAt", "Votes", "Transmitted", "Version",
                "CreatedAt", "UpdatedAt", "SubmittedAt", "Escalations", "AuditSequence", "AuditHash") FROM STDIN (FORMAT BINARY)
            """))
        {
            for (var k = 0; k < count; k++)
            {
                var i = first + k;
                var owner = OwnerOf(i);
                var (entered, due, _) = plans[k];
                var created = entered.AddMinutes(-5);
                writer.StartRow();
                writer.Write(ids[k], NpgsqlDbType.Uuid);
                writer.Write(Reference(owner.Country, i), NpgsqlDbType.Varchar);
                writer.Write("evidence-exchange", NpgsqlDbType.Varchar);
                writer.Write("normal", NpgsqlDbType.Varchar);
                writer.Write($"Call records of scam compound {i}", NpgsqlDbType.Varchar);
                writer.Write(FactsText, NpgsqlDbType.Varchar);
                writer.Write("Reciprocity", NpgsqlDbType.Varchar);
                writer.Write("[]", NpgsqlDbType.Text);
                writer.Write("[]", NpgsqlDbType.Text);
                writer.Write("""["Call records of +855 12 345 678"]""", NpgsqlDbType.Text);
                writer.Write("H1", NpgsqlDbType.Varchar);
                writer.Write("en", NpgsqlDbType.Varchar);
                writer.Write(owner.Country, NpgsqlDbType.Varchar);
                writer.Write(owner.Country == "KR" ? "KH" : "KR", NpgsqlDbType.Varchar);
                writer.Write(owner.Unit, NpgsqlDbType.Varchar);
                writer.Write(owner.Id, NpgsqlDbType.Varchar);
                writer.Write(owner.Name, NpgsqlDbType.Varchar);
                writer.Write(RequestStatus.InProgress, NpgsqlDbType.Varchar);
                writer.Write(Workflow, NpgsqlDbType.Varchar);
                writer.Write(Version, NpgsqlDbType.Integer);
                writer.Write(step.Id, NpgsqlDbType.Varchar);
                writer.Write(entered.UtcDateTime, NpgsqlDbType.TimestampTz);
                writer.Write(due.UtcDateTime, NpgsqlDbType.TimestampTz);
                writer.Write("[]", NpgsqlDbType.Text);
                writer.Write(false, NpgsqlDbType.Boolean);
                writer.Write(1, NpgsqlDbType.Integer);
                writer.Write(created.UtcDateTime, NpgsqlDbType.TimestampTz);
                writer.Write(entered.UtcDateTime, NpgsqlDbType.TimestampTz);
                writer.Write(entered.UtcDateTime, NpgsqlDbType.TimestampTz);
                writer.Write(0, NpgsqlDbType.Integer);
                writer.Write(chains[k].Length, NpgsqlDbType.Integer);
                writer.Write(chains[k][^1].Hash, NpgsqlDbType.Varchar);
            }

            await writer.CompleteAsync();
        }

        await using (var writer = await connection.BeginBinaryImportAsync(
            """COPY "Grants" ("RequestId", "Country", "Role", "Unit") FROM STDIN (FORMAT BINARY)"""))
        {
            for (var k = 0; k < count; k++)
            {
                var owner = OwnerOf(first + k);
                foreach (var (role, unit) in RequestingGrants(owner.Unit))
                {
                    writer.StartRow();
                    writer.Write(ids[k], NpgsqlDbType.Uuid);
                    writer.Write(owner.Country, NpgsqlDbType.Varchar);
                    writer.Write(role, NpgsqlDbType.Varchar);
                    WriteNullable(writer, unit);
                }
            }

            await writer.CompleteAsync();
        }

        await using (var writer = await connection.BeginBinaryImportAsync(
            """COPY "Assignments" ("RequestId", "Country", "Role", "Unit", "UserId", "Branch", "Step", "DueAt") FROM STDIN (FORMAT BINARY)"""))
        {
            for (var k = 0; k < count; k++)
            {
                var owner = OwnerOf(first + k);
                var facts = Facts(owner);
                foreach (var (actor, branch) in step.ActorsWithBranches())
                {
                    writer.StartRow();
                    writer.Write(ids[k], NpgsqlDbType.Uuid);
                    writer.Write(facts.CountryOf(actor.Side), NpgsqlDbType.Varchar);
                    writer.Write(actor.Role, NpgsqlDbType.Varchar);
                    WriteNullable(writer, actor.Scope == ActorScope.Unit ? owner.Unit : null);
                    WriteNullable(writer, actor.Scope == ActorScope.Owner ? owner.Id : null);
                    WriteNullable(writer, branch);
                    writer.Write(step.Id, NpgsqlDbType.Varchar);
                    writer.Write(plans[k].DueAt.UtcDateTime, NpgsqlDbType.TimestampTz);
                }
            }

            await writer.CompleteAsync();
        }

        await using (var writer = await connection.BeginBinaryImportAsync("""
            COPY "AuditEntries" ("Stream", "RequestId", "Sequence", "At", "ActorId", "ActorName", "Roles", "Country", "Action",
                "FromStep", "ToStep", "Decision", "Comment", "PreviousHash", "Hash") FROM STDIN (FORMAT BINARY)
            """))
        {
            for (var k = 0; k < count; k++)
            {
                foreach (var entry in chains[k])
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
                    WriteNullable(writer, entry.FromStep);
                    WriteNullable(writer, entry.ToStep);
                    WriteNullable(writer, entry.Decision);
                    WriteNullable(writer, entry.Comment);
                    writer.Write(entry.PreviousHash, NpgsqlDbType.Varchar);
                    writer.Write(entry.Hash, NpgsqlDbType.Varchar);
                }
            }

            await writer.CompleteAsync();
        }

        await using (var writer = await connection.BeginBinaryImportAsync(
            """COPY "Timers" ("RequestId", "Step", "StepEnteredAt", "Kind", "DueAt", "State") FROM STDIN (FORMAT BINARY)"""))
        {
            for (var k = 0; k < count; k++)
            {
                foreach (var timer in plans[k].Timers)
                {
                    writer.StartRow();
                    writer.Write(ids[k], NpgsqlDbType.Uuid);
                    writer.Write(step.Id, NpgsqlDbType.Varchar);
                    writer.Write(plans[k].EnteredAt.UtcDateTime, NpgsqlDbType.TimestampTz);
                    writer.Write(timer.Kind, NpgsqlDbType.Varchar);
                    writer.Write(timer.DueAt.UtcDateTime, NpgsqlDbType.TimestampTz);
                    writer.Write(TimerState.Pending, NpgsqlDbType.Varchar);
                }
            }

            await writer.CompleteAsync();
        }

        long maxTimerId;
        await using (var command = new NpgsqlCommand("""SELECT coalesce(max("Id"), 0) FROM "Timers" """, connection, transaction))
        {
            maxTimerId = (long)(await command.ExecuteScalarAsync())!;
        }

        await transaction.CommitAsync();
        await using (var analyze = new NpgsqlCommand("""ANALYZE "Requests", "Grants", "Assignments", "AuditEntries", "Timers" """, connection))
        {
            await analyze.ExecuteNonQueryAsync();
        }

        return (ids, maxTimerId);
    }

    /// <summary>The timer the engine sets when a request enters the start step at <paramref name="at"/> (its first; it sets the next).</summary>
    public (DateTimeOffset DueAt, IReadOnlyList<SeedTimer> Timers) StartTimers(int i, DateTimeOffset at)
    {
        var transition = Runtime.Start(Facts(OwnerOf(i)), at);
        return (transition.State.DueAt!.Value, transition.Timers.Take(1)
            .Select(t => new SeedTimer(TimerKinds.Of(t.Kind), t.DueAt)).ToArray());
    }

    /// <summary>Microseconds, as PostgreSQL keeps them: the request's and the timer's step entry must compare equal.</summary>
    public static DateTimeOffset Micro(DateTimeOffset at) => new(at.Ticks - at.Ticks % 10, TimeSpan.Zero);

    private static string Reference(string country, int i) => $"{country}-2026-B{i:D7}";

    private static RequestFacts Facts(SeededUser owner) =>
        new(owner.Country, owner.Country == "KR" ? "KH" : "KR", owner.Id, owner.Unit, "evidence-exchange", "normal");

    // As WorkflowWriter.Grant does for the requesting side at submission.
    private HashSet<(string Role, string? Unit)> RequestingGrants(string unit)
    {
        var grants = new HashSet<(string Role, string? Unit)> { ("Auditor", null) };
        foreach (var participant in Runtime.Participants)
        {
            if (participant.Side == Side.Requesting && participant.Scope != ActorScope.Owner)
            {
                grants.Add((participant.Role, participant.Scope == ActorScope.Unit ? unit : null));
            }
        }

        return grants;
    }

    private static AuditEntry Entry(string stream, Guid requestId, int sequence, DateTimeOffset at, SeededUser actor, string action,
        string? fromStep, string? toStep, string? decision) => new()
    {
        Stream = stream,
        RequestId = requestId,
        Sequence = sequence,
        At = new DateTimeOffset(at.Ticks - at.Ticks % TimeSpan.TicksPerMillisecond, TimeSpan.Zero),
        ActorId = actor.Id,
        ActorName = actor.Name,
        Roles = "Officer",
        Country = actor.Country,
        Action = action,
        FromStep = fromStep,
        ToStep = toStep,
        Decision = decision,
    };

    private static void WriteNullable(NpgsqlBinaryImporter writer, string? value)
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

    private const string FactsText =
        "41 victims in Korea were defrauded through romance and investment scams run from a compound in Sihanoukville; " +
        "call records, account statements and the identities of the recruiters are sought to establish who ran the calls " +
        "and where the proceeds went. The victims' statements and the first transfers are attached to the file.";
}
