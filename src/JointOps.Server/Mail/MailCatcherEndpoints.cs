using System.Globalization;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Mvc;

namespace JointOps.Server.Mail;

/// <summary>The embedded catcher's mail, for Development: <c>GET /dev/mail</c> (a page) and <c>GET /dev/mail.json</c>.</summary>
public static class MailCatcherEndpoints
{
    /// <summary>Maps nothing when the catcher is not in use (Mail:Host is set).</summary>
    public static void Map(IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        if (app.ServiceProvider.GetService<IServiceProviderIsService>()?.IsService(typeof(MailCatcher)) != true)
        {
            return;
        }

        var dev = app.MapGroup("/dev").AllowAnonymous().ExcludeFromDescription();
        dev.MapGet("/mail", (HttpContext http, [FromServices] MailCatcher catcher) =>
        {
            // Self-contained: no script at all, only the page's own style block.
            http.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'; frame-ancestors 'none'";
            http.Response.Headers.CacheControl = "no-store";
            return TypedResults.Content(Page(catcher.Messages, catcher.Port), "text/html; charset=utf-8");
        });
        dev.MapGet("/mail.json", ([FromServices] MailCatcher catcher) => TypedResults.Ok(catcher.Messages));
    }

    private static string Page(IReadOnlyList<CapturedMail> mails, int port)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $$"""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>JointOps mail ({{mails.Count}})</title>
            <style>
            body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5rem; color: #222; }
            table { border-collapse: collapse; width: 100%; }
            th, td { text-align: left; vertical-align: top; padding: .35rem .5rem; border-bottom: 1px solid #ddd; }
            tr.body td { border-bottom: 2px solid #bbb; padding-bottom: .75rem; }
            code { font-size: 12px; color: #555; }
            pre { white-space: pre-wrap; background: #f6f6f6; padding: .5rem; margin: .25rem 0; }
            summary { cursor: pointer; color: #555; }
            </style>
            </head>
            <body>
            <h1>Caught mail</h1>
            <p>{{mails.Count}} mail(s), newest first, received on SMTP 127.0.0.1:{{port}}. <a href="mail">Refresh</a> · <a href="mail.json">JSON</a></p>

            """);
        if (mails.Count == 0)
        {
            html.Append("<p>Nothing yet.</p>\n");
        }
        else
        {
            html.Append("<table>\n<thead><tr><th>Received (UTC)</th><th>To</th><th>Subject</th><th>Message-Id</th></tr></thead>\n<tbody>\n");
            foreach (var mail in mails)
            {
                html.Append(CultureInfo.InvariantCulture, $"""
                    <tr><td>{mail.ReceivedAt.UtcDateTime:yyyy-MM-dd HH:mm:ss}</td><td>{E(string.Join(", ", mail.To))}</td><td>{E(mail.Subject)}</td><td><code>{E(mail.MessageId)}</code></td></tr>
                    <tr class="body"><td colspan="4"><pre>{E(mail.TextBody)}</pre>
                    """);
                if (mail.HtmlBody.Length > 0)
                {
                    html.Append(CultureInfo.InvariantCulture, $"<details><summary>HTML source</summary><pre>{E(mail.HtmlBody)}</pre></details>");
                }

                html.Append("</td></tr>\n");
            }

            html.Append("</tbody>\n</table>\n");
        }

        html.Append("</body>\n</html>\n");
        return html.ToString();
    }

    private static string E(string text) => WebUtility.HtmlEncode(text);
}
