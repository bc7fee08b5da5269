using JointOps.Engine.Calendars;
using JointOps.Engine.Definitions;
using JointOps.Engine.Runtime;
using JointOps.Server.Features.Requests;
using JointOps.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace JointOps.Server.Mail;

/// <summary>A user to notify and how they want it.</summary>
public sealed record Recipient(string Id, string Email, string Name, string Country, string Language, string EmailPreference);

/// <summary>
/// Writes notifications in the caller's transaction: an outbox email for users who want them at once (one per language
/// and country, to all of them), a digest item for those who take a daily digest. Nothing is sent here.
/// </summary>
public sealed class Notifier(JointOpsDbContext db, RowWriter rows, RecipientDirectory directory, CalendarSet calendars, IOptions<MailOptions> options, TimeProvider time)
{
    public async Task NotifyAsync(ActorSpec who, Request request, MailFacts facts, CancellationToken cancellationToken, string? exceptUserId = null)
    {
        var requestFacts = request.EngineFacts();
        var recipients = await UsersAsync(requestFacts.CountryOf(who.Side), who.Role,
            who.Scope == ActorScope.Unit ? request.Unit : null,
            who.Scope == ActorScope.Owner ? request.OwnerId : null, cancellationToken);
        Write(recipients.Where(r => r.Id != exceptUserId), request, facts);
    }

    /// <summary>Everyone who may act on the request's current step now.</summary>
    public async Task NotifyAssigneesAsync(Request request, MailFacts facts, CancellationToken cancellationToken)
    {
        var assignments = await db.Assignments.AsNoTracking().Where(a => a.RequestId == request.Id).ToListAsync(cancellationToken);
        var recipients = new List<Recipient>();
        foreach (var a in assignments)
        {
            recipients.AddRange(await UsersAsync(a.Country, a.Role, a.Unit, a.UserId, cancellationToken));
        }

        Write(recipients.DistinctBy(r => r.Id), request, facts);
    }

    public void Write(IEnumerable<Recipient> recipients, Request request, MailFacts facts)
    {
        var now = time.GetUtcNow();
        var mail = options.Value;

        var immediate = new List<Recipient>();
        foreach (var recipient in recipients)
        {
            if (recipient.EmailPreference != EmailPreferences.DailyDigest)
            {
                immediate.Add(recipient);
                continue;
            }

            rows.Insert(new DigestItem
            {
                UserId = recipient.Id, RequestId = request.Id, Kind = facts.Kind, Reference = facts.Reference,
                Step = facts.StepTitle, DueAt = facts.DueAt, CreatedAt = now,
            });
        }

        // One mail per language and country (time zone) to all its recipients: a task for a role goes to everyone
        // holding it, and one row per recipient was most of what a decision wrote.
        foreach (var group in immediate.GroupBy(r => (r.Language, r.Country)))
        {
            var rendered = MailTemplates.Render(facts, group.Key.Language, calendars[group.Key.Country].Zone, mail.BaseUrl);
            foreach (var chunk in group.Chunk(MaxRecipients))
            {
                rows.Insert(NewMessage(mail, chunk, facts.Kind, request.Id, rendered, now));
            }
        }
    }

    /// <summary>Recipients per mail: RFC 5321 requires servers to take at least 100, and many take no more.</summary>
    public const int MaxRecipients = 100;

    public static OutboxMessage NewMessage(MailOptions mail, IEnumerable<Recipient> recipients, string kind, Guid? requestId, RenderedMail rendered, DateTimeOffset now) => new()
    {
        MessageId = $"{Guid.CreateVersion7(now):N}@{mail.MessageIdDomain}",
        RequestId = requestId,
        Kind = kind,
        Recipients = [.. recipients.Select(r => new MailRecipient(r.Email, r.Name))],
        Subject = rendered.Subject,
        TextBody = rendered.Text,
        HtmlBody = rendered.Html,
        CreatedAt = now,
        NextAttemptAt = now,
    };

    public Task<List<Recipient>> UsersAsync(string country, string role, string? unit, string? userId, CancellationToken cancellationToken) =>
        directory.UsersAsync(db, country, role, unit, userId, cancellationToken);
}
