using JointOps.Engine.Calendars;
using JointOps.Server.Mail;
using JointOps.Server.Persistence;
using JointOps.Server.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace JointOps.Server.Tests.Mail;

/// <summary>A notification is rendered once per language and country, and still reaches each holder as their own.</summary>
public sealed class NotifierTests(SqliteFixture app) : IClassFixture<SqliteFixture>
{
    [Fact]
    public async Task Holders_of_one_role_each_get_the_mail_in_their_language_and_their_country_s_time()
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

        var mails = await services.GetRequiredService<JointOpsDbContext>().Outbox.AsNoTracking()
            .Where(m => m.RequestId == request.Id).ToDictionaryAsync(m => m.ToAddress);
        var calendars = services.GetRequiredService<CalendarSet>();
        var baseUrl = services.GetRequiredService<IOptions<MailOptions>>().Value.BaseUrl;
        Assert.Equal(recipients.Length, mails.Count);
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
        Assert.NotEqual(mails["ko.kr@test.example"].MessageId, mails["ko2.kr@test.example"].MessageId);
    }
}
