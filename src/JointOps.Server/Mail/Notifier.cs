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
/// Writes notifications in the caller's transaction: an outbox email for users who want them at once,
/// a digest item for those who take a daily digest. Nothing is sent here.
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

        // One rendering per language and country (time zone): a task for a role goes to everyone holding it.
        var renderings = new Dictionary<(string Language, string Country), RenderedMail>();
        foreach (var recipient in recipients)
        {
            if (recipient.EmailPreference == EmailPreferences.DailyDigest)
            {
                rows.Insert(new DigestItem
                {
                    UserId = recipient.Id, RequestId = request.Id, Kind = facts.Kind, Reference = facts.Reference,
                    Step = facts.StepTitle, DueAt = facts.DueAt, CreatedAt = now,
                });
                continue;
            }

            if (!renderings.TryGetValue((recipient.Language, recipient.Country), out var rendered))
            {
                rendered = renderings[(recipient.Language, recipient.Country)] =
                    MailTemplates.Render(facts, recipient.Language, calendars[recipient.Country].Zone, mail.BaseUrl);
            }

            rows.Insert(NewMessage(mail, recipient, facts.Kind, request.Id, rendered, now));
        }
    }

    public static OutboxMessage NewMessage(MailOptions mail, Recipient recipient, string kind, Guid? requestId, RenderedMail rendered, DateTimeOffset now) => new()
    {
        MessageId = $"{Guid.CreateVersion7(now):N}@{mail.MessageIdDomain}",
        RequestId = requestId,
        Kind = kind,
        ToAddress = recipient.Email,
        ToName = recipient.Name,
        Subject = rendered.Subject,
        TextBody = rendered.Text,
        HtmlBody = rendered.Html,
        CreatedAt = now,
        NextAttemptAt = now,
    };

    public Task<List<Recipient>> UsersAsync(string country, string role, string? unit, string? userId, CancellationToken cancellationToken) =>
        directory.UsersAsync(db, country, role, unit, userId, cancellationToken);
}
