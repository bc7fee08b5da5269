using System.Security.Claims;
using JointOps.Engine.Calendars;
using JointOps.Server.Infrastructure;
using Microsoft.AspNetCore.Html;
using Microsoft.AspNetCore.Mvc.Rendering;

namespace JointOps.Server.Web;

/// <summary>What every page shows the same way: bilingual labels and times in the reader's zone.</summary>
public static class HtmlHelpers
{
    /// <summary>The English label, followed by the reader's language where a translation exists.</summary>
    public static IHtmlContent T(this IHtmlHelper html, string english)
    {
        var language = html.ViewContext.HttpContext.User.FindFirstValue(JointOpsClaims.Language);
        var translation = html.ViewContext.HttpContext.RequestServices.GetRequiredService<Labels>().Translate(language, english);
        var builder = new HtmlContentBuilder().Append(english);
        return translation is null
            ? builder
            : builder.AppendHtml(" <span class=\"tr\" lang=\"").Append(language!).AppendHtml("\">").Append(translation).AppendHtml("</span>");
    }

    /// <summary>The reader's time zone (their country's).</summary>
    public static TimeZoneInfo Zone(this IHtmlHelper html)
    {
        var country = html.ViewContext.HttpContext.User.FindFirstValue(JointOpsClaims.Country) ?? "KR";
        return html.ViewContext.HttpContext.RequestServices.GetRequiredService<CalendarSet>()[country].Zone;
    }

    /// <summary>A &lt;time&gt; in the reader's zone, with UTC in its title and a countdown for scripts.</summary>
    public static IHtmlContent When(this IHtmlHelper html, DateTimeOffset? at, bool countdown = false)
    {
        if (at is not { } value)
        {
            return new HtmlString("—");
        }

        var local = TimeZoneInfo.ConvertTime(value, html.Zone());
        var builder = new HtmlContentBuilder()
            .AppendHtml("<time datetime=\"").Append(value.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture))
            .AppendHtml("\" title=\"").Append($"{value.UtcDateTime:yyyy-MM-dd HH:mm} UTC").AppendHtml("\"")
            .AppendHtml(countdown ? " data-countdown" : "").AppendHtml(">")
            .Append($"{local:yyyy-MM-dd HH:mm}").AppendHtml("</time>");
        return builder;
    }
}

/// <summary>Select options whose value is their text.</summary>
public static class Options
{
    public static IEnumerable<SelectListItem> Of(IEnumerable<string> values, string? selected = null) =>
        values.Select(v => new SelectListItem(v, v, v == selected));
}
