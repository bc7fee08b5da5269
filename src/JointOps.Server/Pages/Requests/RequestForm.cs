using System.Globalization;
using JointOps.Server.Features.Requests;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using Microsoft.AspNetCore.Mvc.ModelBinding;

namespace JointOps.Server.Pages.Requests;

/// <summary>The request form as the browser posts it; turned into the same <see cref="RequestInput"/> the API takes.</summary>
public sealed class RequestForm
{
    public string? Type { get; set; }
    public string? Priority { get; set; } = "normal";
    public string? UrgencyReason { get; set; }
    public DateOnly? RequestedBy { get; set; }
    public string? Title { get; set; }
    public string? Facts { get; set; }
    public string? Purpose { get; set; }
    public string? LegalBasis { get; set; }
    public string? ReceivingCountry { get; set; }
    public string? Confidentiality { get; set; } = "H1";
    public string? Language { get; set; } = "en";
    public string? RelatedReferences { get; set; }

    /// <summary>One measure per line.</summary>
    public string? Measures { get; set; }

    public List<OffenceRow> Offences { get; set; } = [];
    public List<SubjectRow> Subjects { get; set; } = [];
    public int? Version { get; set; }

    public sealed class OffenceRow
    {
        public string? Description { get; set; }
        public string? Law { get; set; }
        public string? Penalty { get; set; }
    }

    public sealed class SubjectRow
    {
        public string? Name { get; set; }
        public string? Role { get; set; }
        public string? Nationality { get; set; }
        public DateOnly? DateOfBirth { get; set; }
        public string? LastKnownLocation { get; set; }
    }

    /// <summary>Blank rows to type into: at least one of each, one more than filled.</summary>
    public void Pad()
    {
        Offences.RemoveAll(o => string.IsNullOrWhiteSpace(o.Description) && string.IsNullOrWhiteSpace(o.Law) && string.IsNullOrWhiteSpace(o.Penalty));
        Subjects.RemoveAll(s => string.IsNullOrWhiteSpace(s.Name) && string.IsNullOrWhiteSpace(s.LastKnownLocation));
        Offences.Add(new OffenceRow());
        Subjects.Add(new SubjectRow());
    }

    public RequestInput ToInput(bool submit) => new()
    {
        Type = Blank(Type), Priority = Blank(Priority), UrgencyReason = Blank(UrgencyReason), RequestedBy = RequestedBy,
        Title = Blank(Title), Facts = Blank(Facts), Purpose = Blank(Purpose), LegalBasis = Blank(LegalBasis),
        ReceivingCountry = Blank(ReceivingCountry), Confidentiality = Blank(Confidentiality), Language = Blank(Language),
        RelatedReferences = Blank(RelatedReferences),
        Measures = (Measures ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList(),
        Offences = Offences.Where(o => !string.IsNullOrWhiteSpace(o.Description) || !string.IsNullOrWhiteSpace(o.Law))
            .Select(o => new Offence(o.Description ?? "", Blank(o.Law), Blank(o.Penalty))).ToList(),
        Subjects = Subjects.Where(s => !string.IsNullOrWhiteSpace(s.Name) || !string.IsNullOrWhiteSpace(s.LastKnownLocation))
            .Select(s => new Subject(s.Name ?? "", s.Role ?? "", Blank(s.Nationality), s.DateOfBirth, Blank(s.LastKnownLocation))).ToList(),
        Submit = submit,
        Version = Version,
    };

    public static RequestForm From(RequestView r) => new()
    {
        Type = r.Type, Priority = r.Priority, UrgencyReason = r.UrgencyReason, RequestedBy = r.RequestedBy, Title = r.Title,
        Facts = r.Facts, Purpose = r.Purpose, LegalBasis = r.LegalBasis, ReceivingCountry = r.ReceivingCountry,
        Confidentiality = r.Confidentiality, Language = r.Language, RelatedReferences = r.RelatedReferences,
        Measures = string.Join('\n', r.Measures),
        Offences = r.Offences.Select(o => new OffenceRow { Description = o.Description, Law = o.Law, Penalty = o.Penalty }).ToList(),
        Subjects = r.Subjects.Select(s => new SubjectRow
        {
            Name = s.Name, Role = s.Role, Nationality = s.Nationality, DateOfBirth = s.DateOfBirth, LastKnownLocation = s.LastKnownLocation,
        }).ToList(),
        Version = r.Version,
    };

    /// <summary>Puts the API's field errors ("subjects[0].name") next to the form's fields ("Form.Subjects[0].Name").</summary>
    public static void AddErrors(ModelStateDictionary modelState, Problem problem)
    {
        if (problem.Errors is not { Count: > 0 } errors)
        {
            modelState.AddModelError("", problem.Summary);
            return;
        }

        foreach (var (field, messages) in errors)
        {
            var key = "Form." + string.Join('.', field.Split('.').Select(part => part.Length == 0 ? part
                : char.ToUpper(part[0], CultureInfo.InvariantCulture) + part[1..]));
            foreach (var message in messages)
            {
                modelState.AddModelError(key, message);
            }
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
