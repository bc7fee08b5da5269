using JointOps.Server.Mail;
using JointOps.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using JointOps.Server.Tests.Infrastructure;
using static JointOps.Server.Tests.Infrastructure.Scenario;

namespace JointOps.Server.Tests.Deadlines;

/// <summary>
/// Real time, real PostgreSQL and Hangfire.PostgreSql, real SMTP on loopback: the review step of the short-deadlines
/// definition is due 6 s after it is entered, reminds at 3 s and escalates to the central authority every 3 s after.
/// </summary>
public sealed class DeadlineMailTests(MailingFixture app) : IClassFixture<MailingFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly Scenario _scenario = new(app);

    private async Task<(string Id, string Reference)> SubmitAsync()
    {
        var request = await _scenario.SubmitAsync(OfficerKr, NewRequest(type: "information-sharing"));
        Assert.Equal("short-deadlines", request.GetProperty("workflow").Str("name"));
        return (request.Str("id"), request.Str("reference"));
    }

    private static bool About(CapturedMail mail, string reference, string kind) =>
        mail.Subject.Contains(reference, StringComparison.Ordinal) && mail.Subject.Contains(kind, StringComparison.Ordinal);

    [Fact]
    public async Task An_unanswered_step_reminds_the_supervisor_then_escalates_to_the_central_authority_again_and_again()
    {
        var (id, reference) = await SubmitAsync();

        var reminder = Assert.Single(await app.Mail.WaitForAsync(m => About(m, reference, "Reminder"), 1, Patience));
        Assert.Equal([SupervisorKr], reminder.To);
        Assert.Contains($"https://jointops.test/requests/{id}", reminder.TextBody, StringComparison.Ordinal);
        Assert.Contains("(Asia/Seoul)", reminder.TextBody, StringComparison.Ordinal);
        Assert.Contains("UTC", reminder.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("Sihanoukville", reminder.TextBody + reminder.HtmlBody, StringComparison.Ordinal);

        var escalations = await app.Mail.WaitForAsync(m => About(m, reference, "Overdue"), 2, Patience);
        Assert.All(escalations, e => Assert.Equal([CentralKr], e.To));
        Assert.NotEqual(escalations[0].MessageId, escalations[1].MessageId);

        var request = await _scenario.GetAsync(OfficerKr, id);
        Assert.True(request.GetProperty("step").Number("escalations") >= 2);
        Assert.NotEqual(System.Text.Json.JsonValueKind.Null, request.GetProperty("step").GetProperty("overdueSince").ValueKind);
        var (_, history) = await (await app.AsAsync(AuditorKr)).GetJsonAsync($"/api/requests/{id}/history");
        Assert.True(history.GetProperty("entries").EnumerateArray().Count(e => e.Str("action") == "escalated") >= 2);
        Assert.True(history.GetProperty("verified").GetBoolean());

        // Acting ends it: the overdue mark goes and no escalation follows.
        var approved = await _scenario.DecideAsync(SupervisorKr, id, "approve");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, approved.GetProperty("step").GetProperty("overdueSince").ValueKind);
        var sent = app.Mail.Messages.Count(m => About(m, reference, "Overdue"));
        await Task.Delay(TimeSpan.FromSeconds(4));
        Assert.Equal(sent, app.Mail.Messages.Count(m => About(m, reference, "Overdue")));
    }

    [Fact]
    public async Task Acting_before_the_deadline_sends_neither_reminder_nor_escalation()
    {
        var (id, reference) = await SubmitAsync();
        await _scenario.DecideAsync(SupervisorKr, id, "approve");

        // The liaison in Cambodia is told the request arrived.
        Assert.Single(await app.Mail.WaitForAsync(m => m.Subject.Contains(reference, StringComparison.Ordinal) && m.To.Contains(LiaisonKh), 1, Patience));
        await Task.Delay(TimeSpan.FromSeconds(8));

        Assert.DoesNotContain(app.Mail.Messages, m => About(m, reference, "Reminder") || About(m, reference, "Overdue"));
    }

    [Fact]
    public async Task Returning_to_a_step_starts_its_timers_afresh()
    {
        var (id, reference) = await SubmitAsync();
        await _scenario.DecideAsync(SupervisorKr, id, "return", "Add the account numbers.");
        await Task.Delay(TimeSpan.FromSeconds(4));
        await _scenario.DecideAsync(OfficerKr, id, "resubmit");
        var resubmitted = DateTimeOffset.UtcNow;

        // The first visit's reminder (due 3 s after submission) never came; the second visit's comes 3 s after resubmission.
        var reminder = Assert.Single(await app.Mail.WaitForAsync(m => About(m, reference, "Reminder"), 1, Patience));
        Assert.True(reminder.ReceivedAt >= resubmitted + TimeSpan.FromSeconds(2.5), $"reminder at {reminder.ReceivedAt:O}, resubmitted at {resubmitted:O}");
        Assert.Single(await app.Mail.WaitForAsync(m => About(m, reference, "Overdue"), 1, Patience));
    }

    [Fact]
    public async Task A_step_sets_one_timer_at_a_time_and_one_entered_with_all_its_timers_escalates_once()
    {
        var (chained, chainedReference) = await SubmitAsync();
        Assert.Equal([(TimerKinds.Reminder, TimerState.Pending)], await TimersAsync(chained));

        // A visit from before timers were set one at a time holds its deadline already: its reminder must not set another.
        var (setAhead, setAheadReference) = await SubmitAsync();
        await app.ExecuteSqlAsync($"""
            INSERT INTO "Timers" ("RequestId", "Step", "StepEnteredAt", "Kind", "DueAt", "State")
            SELECT "Id", "Step", "StepEnteredAt", 'deadline', "DueAt", 'pending' FROM "Requests" WHERE "Id" = '{setAhead}'
            """);

        foreach (var reference in new[] { chainedReference, setAheadReference })
        {
            Assert.Single(await app.Mail.WaitForAsync(m => About(m, reference, "Reminder"), 1, Patience));
            await app.Mail.WaitForAsync(m => About(m, reference, "Overdue"), 1, Patience);
        }

        foreach (var id in new[] { chained, setAhead })
        {
            var timers = await TimersAsync(id);
            Assert.Equal([(TimerKinds.Deadline, TimerState.Fired), (TimerKinds.Reminder, TimerState.Fired)], timers[..2].Order());
            Assert.All(timers[2..], t => Assert.Equal(TimerKinds.Escalation, t.Kind));
        }
    }

    private async Task<(string Kind, string State)[]> TimersAsync(string requestId)
    {
        await using var scope = app.Factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<JointOpsDbContext>();
        var id = Guid.Parse(requestId);
        return [.. (await db.Timers.AsNoTracking().Where(t => t.RequestId == id).OrderBy(t => t.Id).ToListAsync()).Select(t => (t.Kind, t.State))];
    }

    [Fact]
    public async Task The_officer_hears_of_each_decision_on_their_request()
    {
        var request = await _scenario.SubmitAsync(OfficerKr, NewRequest(type: "information-sharing"));
        await _scenario.DecideAsync(SupervisorKr, request.Str("id"), "reject", "No grounds.");

        var mail = Assert.Single(await app.Mail.WaitForAsync(
            m => m.Subject.Contains(request.Str("reference"), StringComparison.Ordinal) && m.To.Contains(OfficerKr), 1, Patience));
        Assert.Contains("\"reject\"", mail.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_who_takes_a_daily_digest_gets_one_mail_listing_what_came_instead_of_each_mail()
    {
        var supervisor = await app.AsAsync(Supervisor2Kr);
        var (status, me) = await supervisor.SendJsonAsync(HttpMethod.Put, "/api/me/preferences", new { emailPreference = "daily-digest", language = "ko" });
        Assert.Equal(System.Net.HttpStatusCode.OK, status);
        Assert.Equal("daily-digest", me.Str("emailPreference"));

        var request = await _scenario.SubmitAsync(Officer2Kr, NewRequest(type: "information-sharing"));
        var reference = request.Str("reference");
        await _scenario.DecideAsync(Supervisor2Kr, request.Str("id"), "reject", "Not for us.");
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.DoesNotContain(app.Mail.Messages, m => m.To.Contains(Supervisor2Kr));

        // The digest job, as Hangfire runs it at 08:00 in Korea.
        await using (var scope = app.Factory.Services.CreateAsyncScope())
        {
            await scope.ServiceProvider.GetRequiredService<MediatR.IMediator>().Send(new JointOps.Server.Features.Mail.SendDigests.Command("KR"));
        }

        var digest = Assert.Single(await app.Mail.WaitForAsync(m => m.To.Contains(Supervisor2Kr), 1, Patience));
        Assert.Contains("Daily digest", digest.Subject, StringComparison.Ordinal);
        Assert.Contains(reference, digest.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("Sihanoukville", digest.TextBody, StringComparison.Ordinal);
    }
}
