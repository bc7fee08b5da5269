using System.Globalization;
using System.Net;
using System.Text;

namespace JointOps.Server.Mail;

public static class MailKinds
{
    public const string TaskAssigned = "task-assigned";
    public const string Transmitted = "transmitted";
    public const string DecisionTaken = "decision-taken";
    public const string Reminder = "reminder";
    public const string Escalation = "escalation";
    public const string Digest = "digest";
}

/// <summary>What a mail says: the reference, the step, the due time and a link; never the case's facts.</summary>
public sealed record MailFacts(string Kind, string Reference, Guid RequestId, string StepTitle, DateTimeOffset? DueAt, string? Decision = null);

public sealed record RenderedMail(string Subject, string Text, string Html);

/// <summary>
/// Subject and body per kind, in English and, below it, the recipient's language where a translation exists.
/// Due times are shown in the recipient's time zone and in UTC.
/// </summary>
public static class MailTemplates
{
    private sealed record Template(string Subject, string Line);

    // {0} reference, {1} step, {2} decision
    private static readonly Dictionary<string, Dictionary<string, Template>> Templates = new()
    {
        ["en"] = new()
        {
            [MailKinds.TaskAssigned] = new("{0}: {1} awaits you", "Request {0} is at step \"{1}\" and awaits your decision."),
            [MailKinds.Transmitted] = new("{0}: a request was transmitted to your country", "Request {0} was transmitted to your country and awaits you at step \"{1}\"."),
            [MailKinds.DecisionTaken] = new("{0}: decision \"{2}\" on your request", "Your request {0} received the decision \"{2}\" and is now at step \"{1}\"."),
            [MailKinds.Reminder] = new("Reminder - {0}: {1} is due soon", "Request {0} still awaits a decision at step \"{1}\"."),
            [MailKinds.Escalation] = new("Overdue - {0}: {1}", "Request {0} is overdue at step \"{1}\". Please see that it is acted on."),
        },
        ["ko"] = new()
        {
            [MailKinds.TaskAssigned] = new("{0}: {1} 처리 대기", "요청 {0}이(가) \"{1}\" 단계에서 귀하의 결정을 기다리고 있습니다."),
            [MailKinds.Transmitted] = new("{0}: 요청이 귀국으로 전달되었습니다", "요청 {0}이(가) 귀국으로 전달되어 \"{1}\" 단계에서 대기 중입니다."),
            [MailKinds.DecisionTaken] = new("{0}: 요청에 대한 결정 \"{2}\"", "귀하의 요청 {0}에 \"{2}\" 결정이 내려져 현재 \"{1}\" 단계에 있습니다."),
            [MailKinds.Reminder] = new("알림 - {0}: {1} 기한 임박", "요청 {0}이(가) \"{1}\" 단계에서 아직 결정을 기다리고 있습니다."),
            [MailKinds.Escalation] = new("기한 초과 - {0}: {1}", "요청 {0}이(가) \"{1}\" 단계에서 기한을 초과했습니다. 조치를 확인해 주십시오."),
        },
        ["km"] = new()
        {
            [MailKinds.TaskAssigned] = new("{0}: {1} កំពុងរង់ចាំលោកអ្នក", "សំណើ {0} ស្ថិតនៅដំណាក់កាល \"{1}\" ហើយកំពុងរង់ចាំការសម្រេចរបស់លោកអ្នក។"),
            [MailKinds.Transmitted] = new("{0}: សំណើត្រូវបានបញ្ជូនមកប្រទេសរបស់លោកអ្នក", "សំណើ {0} ត្រូវបានបញ្ជូនមកប្រទេសរបស់លោកអ្នក ហើយកំពុងរង់ចាំនៅដំណាក់កាល \"{1}\"។"),
            [MailKinds.Reminder] = new("រំលឹក - {0}: {1} ជិតដល់ថ្ងៃកំណត់", "សំណើ {0} នៅតែរង់ចាំការសម្រេចនៅដំណាក់កាល \"{1}\"។"),
            [MailKinds.Escalation] = new("ហួសកំណត់ - {0}: {1}", "សំណើ {0} ហួសកំណត់នៅដំណាក់កាល \"{1}\"។"),
        },
    };

    public static RenderedMail Render(MailFacts facts, string language, TimeZoneInfo zone, string baseUrl)
    {
        var english = Templates["en"][facts.Kind];
        var local = language != "en" && Templates.TryGetValue(language, out var set) && set.TryGetValue(facts.Kind, out var t) ? t : null;
        string Format(string pattern) => string.Format(CultureInfo.InvariantCulture, pattern, facts.Reference, facts.StepTitle, facts.Decision);

        var link = $"{baseUrl.TrimEnd('/')}/requests/{facts.RequestId}";
        var due = facts.DueAt is { } at ? Due(at, zone) : null;
        var lines = new List<string> { Format(english.Line) };
        if (due is not null)
        {
            lines.Add($"Due: {due}");
        }

        if (local is not null)
        {
            lines.Add("");
            lines.Add(Format(local.Line));
        }

        var text = new StringBuilder();
        foreach (var line in lines)
        {
            text.AppendLine(line);
        }

        text.AppendLine().AppendLine(link);
        var html = new StringBuilder("<!DOCTYPE html><html><body>");
        foreach (var line in lines.Where(l => l.Length > 0))
        {
            html.Append("<p>").Append(WebUtility.HtmlEncode(line)).Append("</p>");
        }

        html.Append("<p><a href=\"").Append(WebUtility.HtmlEncode(link)).Append("\">").Append(WebUtility.HtmlEncode(facts.Reference)).Append("</a></p></body></html>");
        var subject = "[JointOps] " + Format(english.Subject) + (local is null ? "" : " / " + Format(local.Subject));
        return new RenderedMail(subject, text.ToString(), html.ToString());
    }

    /// <summary>A daily digest: one line per notification, no case facts.</summary>
    public static RenderedMail RenderDigest(IReadOnlyList<MailFacts> items, TimeZoneInfo zone, string baseUrl)
    {
        var text = new StringBuilder($"{items.Count} notification(s) since your last digest:").AppendLine().AppendLine();
        var html = new StringBuilder("<!DOCTYPE html><html><body><ul>");
        foreach (var item in items)
        {
            var line = string.Format(CultureInfo.InvariantCulture, Templates["en"][item.Kind].Line, item.Reference, item.StepTitle, item.Decision)
                + (item.DueAt is { } at ? $" Due: {Due(at, zone)}" : "");
            var link = $"{baseUrl.TrimEnd('/')}/requests/{item.RequestId}";
            text.AppendLine("- " + line).AppendLine("  " + link);
            html.Append("<li>").Append(WebUtility.HtmlEncode(line)).Append(" <a href=\"").Append(WebUtility.HtmlEncode(link)).Append("\">")
                .Append(WebUtility.HtmlEncode(item.Reference)).Append("</a></li>");
        }

        html.Append("</ul></body></html>");
        return new RenderedMail($"[JointOps] Daily digest: {items.Count} notification(s)", text.ToString(), html.ToString());
    }

    /// <summary>e.g. "2026-11-27 08:53 (Asia/Seoul) = 2026-11-26 23:53 UTC".</summary>
    public static string Due(DateTimeOffset at, TimeZoneInfo zone) =>
        $"{TimeZoneInfo.ConvertTime(at, zone):yyyy-MM-dd HH:mm} ({zone.Id}) = {at.UtcDateTime:yyyy-MM-dd HH:mm} UTC";
}
