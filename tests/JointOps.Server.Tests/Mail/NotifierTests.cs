using JointOps.Engine.Calendars;
using JointOps.Server.Mail;
using JointOps.Server.Persistence;
using JointOps.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace JointOps.Server.Tests.Mail;

/// <summary>A notification is one mail per language and country, to every holder it concerns.</summary>
public sealed class NotifierTests(SqliteFixture app) : IClassFixture<SqliteFixture>
{
    [Fact]
    public async Task Holders_of_one_role_share_one_mail_per_language_and_country_s_time()
    {
        Recipient[] recipients =
        [
            new("u1", "ko.kr@test.example", "Kim", "KR", "ko", EmailPreferences.Immediate),
            new("u2", "en.kr@test.example", "Lee", "KR", "en", EmailPreferences.Immediate),
            new("u3", "en.kh@test.example", "Sok", "KH", "en", EmailPreferences.Immediate),
            new("u4", "km.kh@test.example", "Dara", "KH", "km", EmailPreferences.Immediate),
            new("u5", "ko2.kr@test.example", "Park", "KR", "ko", EmailPreferences.Immediate),
        ];
        var request = new Request { Id = Guid.NewGuid(), Reference = "KR-2026-9001" };
        var facts = new MailFacts(MailKinds.TaskAssigned, request.Reference, request.Id, "Supervisor review",
            new DateTimeOffset(2026, 11, 26, 8, 0, 0, TimeSpan.Zero));

        await using var scope = app.Factory.Services.CreateAsyncScope();
        var services = scope.ServiceProvider;
        services.GetRequiredService<Notifier>().Write(recipients, request, facts);
        await services.GetRequiredService<RowWriter>().SaveAsync(CancellationToken.None);

        var written = await services.GetRequiredService<JointOpsDbContext>().Outbox.AsNoTracking()
            .Where(m => m.RequestId == request.Id).ToListAsync();
        var calendars = services.GetRequiredService<CalendarSet>();
        var baseUrl = services.GetRequiredService<IOptions<MailOptions>>().Value.BaseUrl;

        // Kim and Park (Korean, in Korea) share one mail; the other three each have their own.
        Assert.Equal(4, written.Count);
        Assert.Equal(["Kim <ko.kr@test.example>, Park <ko2.kr@test.example>"],
            written.Where(m => m.Recipients.Count > 1).Select(m => string.Join(", ", m.Recipients.Select(r => $"{r.Name} <{r.Email}>"))));
        var mails = written.SelectMany(m => m.Recipients, (m, r) => (r.Email, Mail: m)).ToDictionary(x => x.Email, x => x.Mail);
        Assert.Equal(recipients.Select(r => r.Email).Order(), mails.Keys.Order());
        foreach (var recipient in recipients)
        {
            var expected = MailTemplates.Render(facts, recipient.Language, calendars[recipient.Country].Zone, baseUrl);
            var mail = mails[recipient.Email];
            Assert.Equal((expected.Subject, expected.Text, expected.Html), (mail.Subject, mail.TextBody, mail.HtmlBody));
        }

        // The renderings do differ: by language within a country, by time zone within a language.
        Assert.NotEqual(mails["ko.kr@test.example"].TextBody, mails["en.kr@test.example"].TextBody);
        Assert.Contains("Asia/Seoul", mails["en.kr@test.example"].TextBody, StringComparison.Ordinal);
        Assert.Contains("Asia/Phnom_Penh", mails["en.kh@test.example"].TextBody, StringComparison.Ordinal);
    }
}
