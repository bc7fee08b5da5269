using System.Globalization;
using System.Text.Json.Serialization;
using JointOps.Server.Development;
using Npgsql;

namespace JointOps.Load;

public sealed record BenchUser(string Id, string Email, string Name, string Country, string Unit, string Role);

/// <summary>One load client's own users: an officer and a supervisor of its own unit, and one user per role further along.</summary>
public sealed record ClientUsers(int Index, string Country, string Unit, BenchUser Officer, BenchUser Supervisor, BenchUser Central,
    BenchUser Liaison, BenchUser Approver, BenchUser Executing)
{
    [JsonIgnore]
    public IEnumerable<BenchUser> All => [Officer, Supervisor, Central, Liaison, Approver, Executing];
}

/// <summary>A reader of the reads mode and the long-history requests they may open.</summary>
public sealed record Reader(BenchUser User, string Kind, List<Guid> Pages);

/// <summary>
/// The units and users a seeded database holds besides the Development seed: many units per country, each with officers
/// and a supervisor, and the load clients' own users. Bench users are copies of the Development user of the same role
/// (password hash, two-factor setting and authenticator key), so they sign in with the same password and code.
/// </summary>
public sealed class Population
{
    public const int KoreanUnits = 46;
    public const int CambodianUnits = 31;
    public const int MaxClients = 16;

    public required List<BenchUser> Users { get; init; }

    public required Dictionary<string, List<string>> UnitsByCountry { get; init; }

    public required List<ClientUsers> Clients { get; init; }

    /// <summary>Officers by unit (request owners).</summary>
    [JsonIgnore]
    public Dictionary<string, List<BenchUser>> Officers => _officers ??= Users.Where(u => u.Role == "Officer").GroupBy(u => u.Unit).ToDictionary(g => g.Key, g => g.ToList());

    [JsonIgnore]
    public Dictionary<string, BenchUser> Supervisors => _supervisors ??= Users.Where(u => u.Role == "Supervisor").GroupBy(u => u.Unit).ToDictionary(g => g.Key, g => g.First());

    private Dictionary<string, List<BenchUser>>? _officers;
    private Dictionary<string, BenchUser>? _supervisors;

    /// <summary>The Development user of a country-wide role, who appears in the audit trail of seeded decisions.</summary>
    public BenchUser CountryUser(string role, string country) =>
        Users.First(u => u.Role == role && u.Country == country && u.Email.EndsWith("@jointops.test", StringComparison.Ordinal));

    /// <summary>Creates the bench users once (later calls find them) and returns everyone.</summary>
    public static async Task<Population> EnsureAsync(string connectionString)
    {
        var units = new Dictionary<string, List<string>>
        {
            ["KR"] = ["KR-SEOUL-CYBER", "KR-BUSAN-CYBER", .. Enumerable.Range(1, KoreanUnits).Select(i => $"KR-UNIT-{i:D3}")],
            ["KH"] = ["KH-TASKFORCE", .. Enumerable.Range(1, CambodianUnits).Select(i => $"KH-UNIT-{i:D3}")],
        };
        var wanted = new List<(string Email, string Name, string Country, string Unit, string Role)>();
        foreach (var (country, list) in units)
        {
            foreach (var unit in list.Where(u => u.Contains("-UNIT-", StringComparison.Ordinal)))
            {
                var key = unit.ToLowerInvariant();
                wanted.Add(($"officer1.{key}@bench.test", $"Officer 1 {unit}", country, unit, "Officer"));
                wanted.Add(($"officer2.{key}@bench.test", $"Officer 2 {unit}", country, unit, "Officer"));
                wanted.Add(($"supervisor.{key}@bench.test", $"Supervisor {unit}", country, unit, "Supervisor"));
            }
        }

        for (var c = 0; c < MaxClients; c++)
        {
            var (country, other) = c % 2 == 0 ? ("KR", "KH") : ("KH", "KR");
            var unit = $"{country}-BENCH-C{c:D2}";
            var prefix = $"c{c:D2}";
            wanted.Add(($"officer.{prefix}@bench.test", $"Officer {prefix}", country, unit, "Officer"));
            wanted.Add(($"supervisor.{prefix}@bench.test", $"Supervisor {prefix}", country, unit, "Supervisor"));
            wanted.Add(($"central.{prefix}@bench.test", $"Central {prefix}", country, $"{country}-BENCH-CENTRAL", "CentralAuthority"));
            wanted.Add(($"liaison.{prefix}@bench.test", $"Liaison {prefix}", other, $"{other}-BENCH-LIAISON", "Liaison"));
            wanted.Add(($"approver.{prefix}@bench.test", $"Approver {prefix}", other, $"{other}-BENCH-APPROVAL", "Approver"));
            wanted.Add(($"executing.{prefix}@bench.test", $"Executing {prefix}", other, $"{other}-BENCH-EXECUTION", "ExecutingUnit"));
        }

        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();

        // Templates: the Development user of the same role, preferably of the same country.
        var templates = DevelopmentSeed.Users.GroupBy(u => (u.Role, u.Country)).ToDictionary(g => g.Key, g => g.First().Email.ToUpperInvariant());
        var rows = wanted.Select(w => (w, Id: Guid.NewGuid().ToString(), Template: templates[(w.Role, w.Country)])).ToArray();
        await using (var insert = new NpgsqlCommand("""
            WITH wanted AS (
                SELECT * FROM unnest(@ids, @emails, @names, @countries, @units, @roles, @templates) AS w(id, email, name, country, unit, role, template)
                WHERE NOT EXISTS (SELECT 1 FROM "AspNetUsers" u WHERE u."NormalizedEmail" = upper(w.email))),
            users AS (
                INSERT INTO "AspNetUsers" ("Id", "UserName", "NormalizedUserName", "Email", "NormalizedEmail", "EmailConfirmed", "PasswordHash",
                    "SecurityStamp", "ConcurrencyStamp", "PhoneNumberConfirmed", "TwoFactorEnabled", "LockoutEnabled", "AccessFailedCount",
                    "Country", "Unit", "DisplayName", "EmailPreference", "Language")
                SELECT w.id, w.email, upper(w.email), w.email, upper(w.email), true, t."PasswordHash",
                    upper(replace(gen_random_uuid()::text, '-', '')), gen_random_uuid()::text, false, t."TwoFactorEnabled", true, 0,
                    w.country, w.unit, w.name, 'immediate', 'en'
                FROM wanted w JOIN "AspNetUsers" t ON t."NormalizedEmail" = w.template
                RETURNING "Id"),
            roles AS (
                INSERT INTO "AspNetUserRoles" ("UserId", "RoleId")
                SELECT w.id, r."Id" FROM wanted w JOIN "AspNetRoles" r ON r."Name" = w.role)
            INSERT INTO "AspNetUserTokens" ("UserId", "LoginProvider", "Name", "Value")
            SELECT w.id, k."LoginProvider", k."Name", k."Value"
            FROM wanted w JOIN "AspNetUsers" t ON t."NormalizedEmail" = w.template JOIN "AspNetUserTokens" k ON k."UserId" = t."Id"
            """, connection))
        {
            insert.Parameters.AddWithValue("ids", rows.Select(r => r.Id).ToArray());
            insert.Parameters.AddWithValue("emails", rows.Select(r => r.w.Email).ToArray());
            insert.Parameters.AddWithValue("names", rows.Select(r => r.w.Name).ToArray());
            insert.Parameters.AddWithValue("countries", rows.Select(r => r.w.Country).ToArray());
            insert.Parameters.AddWithValue("units", rows.Select(r => r.w.Unit).ToArray());
            insert.Parameters.AddWithValue("roles", rows.Select(r => r.w.Role).ToArray());
            insert.Parameters.AddWithValue("templates", rows.Select(r => r.Template).ToArray());
            await insert.ExecuteNonQueryAsync();
        }

        var users = new List<BenchUser>();
        await using (var select = new NpgsqlCommand("""
            SELECT u."Id", u."Email", u."DisplayName", u."Country", u."Unit", min(r."Name")
            FROM "AspNetUsers" u JOIN "AspNetUserRoles" ur ON ur."UserId" = u."Id" JOIN "AspNetRoles" r ON r."Id" = ur."RoleId"
            GROUP BY u."Id" ORDER BY u."Email"
            """, connection))
        await using (var reader = await select.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                users.Add(new BenchUser(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetString(4), reader.GetString(5)));
            }
        }

        var byEmail = users.ToDictionary(u => u.Email, StringComparer.Ordinal);
        var clients = Enumerable.Range(0, MaxClients).Select(c =>
        {
            var p = $"c{c:D2}";
            var officer = byEmail[$"officer.{p}@bench.test"];
            return new ClientUsers(c, officer.Country, officer.Unit, officer, byEmail[$"supervisor.{p}@bench.test"], byEmail[$"central.{p}@bench.test"],
                byEmail[$"liaison.{p}@bench.test"], byEmail[$"approver.{p}@bench.test"], byEmail[$"executing.{p}@bench.test"]);
        }).ToList();
        return new Population { Users = users, UnitsByCountry = units, Clients = clients };
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Users.Count} users, {UnitsByCountry.Sum(u => u.Value.Count)} units");
}
