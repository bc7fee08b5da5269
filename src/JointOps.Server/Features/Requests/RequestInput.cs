using JointOps.Server.Persistence;

namespace JointOps.Server.Features.Requests;

/// <summary>The fields an officer fills in, for creating and editing a request.</summary>
public sealed record RequestInput
{
    public string? Type { get; init; }
    public string? Priority { get; init; }
    public string? UrgencyReason { get; init; }
    public DateOnly? RequestedBy { get; init; }
    public string? Title { get; init; }
    public string? Facts { get; init; }
    public string? Purpose { get; init; }
    public string? LegalBasis { get; init; }
    public List<Offence>? Offences { get; init; }
    public List<Subject>? Subjects { get; init; }
    public List<string>? Measures { get; init; }
    public string? Confidentiality { get; init; }
    public string? Language { get; init; }
    public string? ReceivingCountry { get; init; }
    public string? RelatedReferences { get; init; }

    /// <summary>Submit at once instead of keeping a draft.</summary>
    public bool Submit { get; init; }

    /// <summary>When editing: the version edited, from GET /api/requests/{id}.</summary>
    public int? Version { get; init; }

    public static RequestInput From(Request r) => new()
    {
        Type = r.Type, Priority = r.Priority, UrgencyReason = r.UrgencyReason, RequestedBy = r.RequestedBy, Title = r.Title,
        Facts = r.Facts, Purpose = r.Purpose, LegalBasis = r.LegalBasis, Offences = r.Offences, Subjects = r.Subjects,
        Measures = r.Measures, Confidentiality = r.Confidentiality, Language = r.Language, ReceivingCountry = r.ReceivingCountry,
        RelatedReferences = r.RelatedReferences,
    };

    public void ApplyTo(Request r)
    {
        r.Type = Type!;
        r.Priority = Priority ?? "normal";
        r.UrgencyReason = UrgencyReason;
        r.RequestedBy = RequestedBy;
        r.Title = Title!;
        r.Facts = Facts ?? "";
        r.Purpose = Purpose;
        r.LegalBasis = LegalBasis ?? "";
        r.Offences = Offences ?? [];
        r.Subjects = Subjects ?? [];
        r.Measures = Measures ?? [];
        r.Confidentiality = Confidentiality ?? "H1";
        r.Language = Language ?? "en";
        r.ReceivingCountry = ReceivingCountry!;
        r.RelatedReferences = RelatedReferences;
    }
}

/// <summary>What a request must hold: the essentials of an MLA request form, stricter once it is submitted.</summary>
public static class RequestRules
{
    public static readonly string[] Types =
        ["victim-rescue", "arrest", "repatriation", "evidence-exchange", "information-sharing", "joint-operation", "asset-tracing", "formal-mla"];

    public static readonly string[] Priorities = ["normal", "urgent", "critical"];
    public static readonly string[] Countries = ["KR", "KH"];
    public static readonly string[] Confidentialities = ["H0", "H1", "H2", "H3"];
    public static readonly string[] Languages = ["en", "ko", "km"];
    public static readonly string[] SubjectRoles = ["suspect", "victim", "witness"];

    public static Dictionary<string, string[]> Validate(RequestInput input, string requestingCountry, bool submitting)
    {
        var errors = new Dictionary<string, string[]>();
        void Error(string field, string message) => errors[field] = errors.TryGetValue(field, out var m) ? [.. m, message] : [message];
        void OneOf(string field, string? value, string[] allowed, bool required)
        {
            if (value is null)
            {
                if (required)
                {
                    Error(field, $"Required; one of: {string.Join(", ", allowed)}.");
                }
            }
            else if (!allowed.Contains(value))
            {
                Error(field, $"'{Shorten(value)}' is not allowed; use one of: {string.Join(", ", allowed)}.");
            }
        }

        void Text(string field, string? value, int max, bool required)
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                if (required)
                {
                    Error(field, "Required.");
                }
            }
            else if (value.Length > max)
            {
                Error(field, $"At most {max} characters.");
            }
            else if (Engine.PlainTextConverter.Problem(value) is { } problem)
            {
                Error(field, problem);
            }
        }

        OneOf("type", input.Type, Types, required: true);
        OneOf("priority", input.Priority, Priorities, required: submitting);
        OneOf("receivingCountry", input.ReceivingCountry, Countries, required: true);
        if (input.ReceivingCountry == requestingCountry)
        {
            Error("receivingCountry", "The receiving country must be the other country.");
        }

        OneOf("confidentiality", input.Confidentiality, Confidentialities, required: false);
        OneOf("language", input.Language, Languages, required: false);
        Text("title", input.Title, 200, required: true);
        Text("facts", input.Facts, 20000, required: submitting);
        Text("purpose", input.Purpose, 5000, required: false);
        Text("legalBasis", input.LegalBasis, 2000, required: submitting);
        Text("relatedReferences", input.RelatedReferences, 500, required: false);
        Text("urgencyReason", input.UrgencyReason, 2000, required: submitting && input.Priority is "urgent" or "critical");

        if (input.Measures is { } measures)
        {
            if (measures.Count > 50)
            {
                Error("measures", "At most 50 measures.");
            }

            for (var i = 0; i < int.Min(measures.Count, 50); i++)
            {
                Text($"measures[{i}]", measures[i], 1000, required: true);
            }
        }

        if (submitting && (input.Measures is null || input.Measures.Count == 0))
        {
            Error("measures", "Name at least one requested measure.");
        }

        if (input.Offences is { } offences)
        {
            if (offences.Count > 50)
            {
                Error("offences", "At most 50 offences.");
            }

            for (var i = 0; i < int.Min(offences.Count, 50); i++)
            {
                Text($"offences[{i}].description", offences[i]?.Description, 1000, required: true);
                Text($"offences[{i}].law", offences[i]?.Law, 500, required: false);
                Text($"offences[{i}].penalty", offences[i]?.Penalty, 500, required: false);
            }
        }

        if (input.Subjects is { } subjects)
        {
            if (subjects.Count > 100)
            {
                Error("subjects", "At most 100 persons.");
            }

            for (var i = 0; i < int.Min(subjects.Count, 100); i++)
            {
                var s = subjects[i];
                Text($"subjects[{i}].name", s?.Name, 200, required: true);
                OneOf($"subjects[{i}].role", s?.Role, SubjectRoles, required: true);
                Text($"subjects[{i}].nationality", s?.Nationality, 100, required: false);
                Text($"subjects[{i}].lastKnownLocation", s?.LastKnownLocation, 1000, required: false);
            }
        }

        if (submitting && input.Type == "victim-rescue"
            && !(input.Subjects ?? []).Any(s => s?.Role == "victim" && !string.IsNullOrWhiteSpace(s.LastKnownLocation)))
        {
            Error("subjects", "A victim rescue names the victim with their last known location.");
        }

        return errors;
    }

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
