using System.Net;
using System.Text.Json;

namespace JointOps.Server.Tests.Infrastructure;

/// <summary>The seeded users by role and country, and steps of a request's life as the API offers them.</summary>
public sealed class Scenario(AppFixture app)
{
    public const string OfficerKr = "officer.kr@jointops.test";
    public const string Officer2Kr = "officer2.kr@jointops.test";
    public const string SupervisorKr = "supervisor.kr@jointops.test";
    public const string Supervisor2Kr = "supervisor2.kr@jointops.test";
    public const string CentralKr = "central.kr@jointops.test";
    public const string LiaisonKr = "liaison.kr@jointops.test";
    public const string ApproverKr = "approver.kr@jointops.test";
    public const string ExecutingKr = "executing.kr@jointops.test";
    public const string AdminKr = "admin.kr@jointops.test";
    public const string AuditorKr = "auditor.kr@jointops.test";
    public const string OfficerKh = "officer.kh@jointops.test";
    public const string SupervisorKh = "supervisor.kh@jointops.test";
    public const string CentralKh = "central.kh@jointops.test";
    public const string LiaisonKh = "liaison.kh@jointops.test";
    public const string ApproverKh = "approver.kh@jointops.test";
    public const string ExecutingKh = "executing.kh@jointops.test";
    public const string AdminKh = "admin.kh@jointops.test";
    public const string AuditorKh = "auditor.kh@jointops.test";

    public static readonly string[] Everyone =
    [
        OfficerKr, Officer2Kr, SupervisorKr, Supervisor2Kr, CentralKr, LiaisonKr, ApproverKr, ExecutingKr, AdminKr, AuditorKr,
        OfficerKh, SupervisorKh, CentralKh, LiaisonKh, ApproverKh, ExecutingKh, AdminKh, AuditorKh,
    ];

    public static Dictionary<string, object?> NewRequest(string receivingCountry = "KH", string priority = "normal", string type = "evidence-exchange") => new()
    {
        ["type"] = type,
        ["priority"] = priority,
        ["urgencyReason"] = priority == "normal" ? null : "Victims are held now.",
        ["title"] = "Call records of a scam compound in Sihanoukville",
        ["facts"] = "Between March and August 2026 a syndicate operating from a compound in Sihanoukville defrauded 41 victims in Korea.",
        ["purpose"] = "Identify the operators of the accounts used.",
        ["legalBasis"] = "Treaty on Mutual Legal Assistance in Criminal Matters; reciprocity",
        ["offences"] = new[] { new { description = "Fraud", law = "Criminal Act Art. 347", penalty = "Up to 10 years" } },
        ["subjects"] = new[]
        {
            new { name = "Suspect A", role = "suspect", nationality = "KR", dateOfBirth = (string?)"1990-02-01", lastKnownLocation = "Sihanoukville" },
            new { name = "Victim B", role = "victim", nationality = "KR", dateOfBirth = (string?)null, lastKnownLocation = "Compound 7, Sihanoukville" },
        },
        ["measures"] = new[] { "Call records of +855 12 345 678 for March to August 2026" },
        ["confidentiality"] = "H2",
        ["language"] = "en",
        ["receivingCountry"] = receivingCountry,
        ["submit"] = true,
    };

    public async Task<JsonElement> SubmitAsync(string officer, Dictionary<string, object?>? body = null)
    {
        var (status, request) = await (await app.AsAsync(officer)).PostJsonAsync("/api/requests", body ?? NewRequest());
        Assert.True(status == HttpStatusCode.Created, $"Submitting failed with {status}: {request}");
        return request;
    }

    public async Task<JsonElement> GetAsync(string user, string id)
    {
        var (status, request) = await (await app.AsAsync(user)).GetJsonAsync($"/api/requests/{id}");
        Assert.True(status == HttpStatusCode.OK, $"{user} could not read {id}: {status} {request}");
        return request;
    }

    public async Task<(HttpStatusCode Status, JsonElement Body)> TryDecideAsync(string user, string id, string decision, string? comment = "Done.", int? version = null)
    {
        var client = await app.AsAsync(user);
        if (version is null)
        {
            var (_, current) = await client.GetJsonAsync($"/api/requests/{id}");
            version = current.ValueKind == JsonValueKind.Object && current.TryGetProperty("version", out var v) ? v.GetInt32() : 0;
        }

        return await client.PostJsonAsync($"/api/requests/{id}/decisions", new { decision, comment, version });
    }

    public async Task<JsonElement> DecideAsync(string user, string id, string decision, string? comment = "Done.")
    {
        var (status, body) = await TryDecideAsync(user, id, decision, comment);
        Assert.True(status == HttpStatusCode.OK, $"{user} could not {decision} on {id}: {status} {body}");
        return body;
    }

    /// <summary>A KR officer's request carried to the given step of mutual-assistance.</summary>
    public async Task<string> RequestAtAsync(string step, string receivingCountry = "KH")
    {
        var (officer, supervisor, central, liaison, approver, executing) = receivingCountry == "KH"
            ? (OfficerKr, SupervisorKr, CentralKr, LiaisonKh, ApproverKh, ExecutingKh)
            : (OfficerKh, SupervisorKh, CentralKh, LiaisonKr, ApproverKr, ExecutingKr);
        var id = (await SubmitAsync(officer, NewRequest(receivingCountry))).Str("id");
        (string User, string Decision, string Reaches)[] path =
        [
            (supervisor, "approve", "central-authority"),
            (central, "approve", "acknowledgement"),
            (liaison, "acknowledge", "receiving-decision"),
            (approver, "approve", "execution"),
            (executing, "deliver-results", "results-review"),
        ];
        var current = "supervisor-review";
        foreach (var (user, decision, reaches) in path)
        {
            if (current == step)
            {
                break;
            }

            current = (await DecideAsync(user, id, decision)).StepId()!;
            Assert.Equal(reaches, current);
        }

        Assert.Equal(step, current);
        return id;
    }
}
