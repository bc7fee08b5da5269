using JointOps.Engine.Calendars;
using JointOps.Server.Infrastructure;
using JointOps.Server.Mail;
using JointOps.Server.Persistence;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace JointOps.Server.Features.Mail;

/// <summary>One email per user of a country who takes a daily digest, listing what came since the last one.</summary>
public static class SendDigests
{
    public sealed record Command(string Country) : ICommand<Result<int>>;

    public sealed class Handler(JointOpsDbContext db, CalendarSet calendars, IOptions<MailOptions> options, TimeProvider time)
        : IRequestHandler<Command, Result<int>>
    {
        public async Task<Result<int>> Handle(Command command, CancellationToken cancellationToken)
        {
            var now = time.GetUtcNow();
            var items = await db.DigestItems
                .Where(i => i.DigestedAt == null && db.Users.Any(u => u.Id == i.UserId && u.Country == command.Country))
                .OrderBy(i => i.Id).ToListAsync(cancellationToken);
            var userIds = items.Select(i => i.UserId).Distinct().ToArray();
            var users = await db.Users.AsNoTracking().Where(u => userIds.Contains(u.Id) && u.Email != null)
                .Select(u => new Recipient(u.Id, u.Email!, u.DisplayName, u.Country, u.Language, u.EmailPreference))
                .ToDictionaryAsync(u => u.Id, cancellationToken);

            foreach (var group in items.GroupBy(i => i.UserId))
            {
                foreach (var item in group)
                {
                    item.DigestedAt = now;
                }

                if (!users.TryGetValue(group.Key, out var user))
                {
                    continue;
                }

                var facts = group.Select(i => new MailFacts(i.Kind, i.Reference, i.RequestId, i.Step ?? "", i.DueAt)).ToList();
                var rendered = MailTemplates.RenderDigest(facts, calendars[user.Country].Zone, options.Value.BaseUrl);
                db.Outbox.Add(Notifier.NewMessage(options.Value, [user], MailKinds.Digest, null, rendered, now));
            }

            return users.Count;
        }
    }
}
