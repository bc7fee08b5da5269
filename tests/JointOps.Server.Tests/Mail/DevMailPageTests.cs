using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using JointOps.Server.Mail;
using JointOps.Server.Persistence;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace JointOps.Server.Tests.Mail;

/// <summary>The Development wiring: AddMail without Mail:Host runs the catcher, points the sender at it, and shows its mail.</summary>
public sealed class DevMailPageTests
{
    private static async Task<WebApplication> StartAsync(string? mailHost)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        builder.WebHost.UseTestServer();
        builder.Configuration["Mail:CatcherPort"] = "0";
        builder.Configuration["Mail:From"] = "jointops@jointops.test";
        builder.Configuration["Mail:Host"] = mailHost;
        builder.Services.AddMail(builder.Configuration, builder.Environment);
        var app = builder.Build();
        MailCatcherEndpoints.Map(app);
        await app.StartAsync();
        return app;
    }

    [Fact]
    public async Task Without_a_mail_host_mail_goes_to_the_catcher_and_shows_escaped_on_the_dev_pages()
    {
        await using var app = await StartAsync(mailHost: null);
        var message = new OutboxMessage
        {
            MessageId = $"{Guid.CreateVersion7():N}@jointops.test",
            Recipients = [new("officer.kr@jointops.test", "Kim Minji")],
            Subject = "Request KR-2026-0042 <script>alert(1)</script> & more",
            TextBody = "Line one.\nLine <two>.",
            HtmlBody = "<p>Line one.</p>",
            CreatedAt = DateTimeOffset.UtcNow,
        };

        await app.Services.GetRequiredService<IMailSender>().SendAsync(message, CancellationToken.None);
        await app.Services.GetRequiredService<MailCatcher>().WaitForAsync(m => m.MessageId == message.MessageId, 1, TimeSpan.FromSeconds(10));

        using var client = app.GetTestClient();
        using var page = await client.GetAsync("/dev/mail");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        var csp = string.Join(";", page.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("script-src", csp, StringComparison.Ordinal);
        var html = await page.Content.ReadAsStringAsync();
        Assert.Contains(message.MessageId, html, StringComparison.Ordinal);
        Assert.Contains("officer.kr@jointops.test", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more", html, StringComparison.Ordinal);
        Assert.Contains("Line &lt;two&gt;.", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<script", html, StringComparison.OrdinalIgnoreCase);

        var mails = await client.GetFromJsonAsync<JsonElement>("/dev/mail.json");
        var mail = Assert.Single(mails.EnumerateArray());
        Assert.Equal(message.MessageId, mail.GetProperty("messageId").GetString());
        Assert.Equal(message.Subject, mail.GetProperty("subject").GetString());
        Assert.Equal("officer.kr@jointops.test", mail.GetProperty("to")[0].GetString());
    }

    [Fact]
    public async Task With_a_mail_host_there_is_no_catcher_and_no_dev_pages()
    {
        await using var app = await StartAsync(mailHost: "smtp.example.test");

        Assert.Null(app.Services.GetService<MailCatcher>());
        using var client = app.GetTestClient();
        using var page = await client.GetAsync("/dev/mail");
        Assert.Equal(HttpStatusCode.NotFound, page.StatusCode);
    }
}
