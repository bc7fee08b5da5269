using System.Collections.Concurrent;
using JointOps.Server.Persistence;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace JointOps.Server.Mail;

/// <summary>
/// Who holds a role in a country (and unit), remembered for <see cref="MailOptions.RecipientCacheSeconds"/>: every
/// decision notifies a handful of such groups, and they change far more rarely than decisions are taken. A change
/// of preferences forgets everything at once on this server; other servers see it within the same interval.
/// </summary>
public sealed class RecipientDirectory(TimeProvider time, IOptions<MailOptions> options)
{
    private readonly ConcurrentDictionary<(string Country, string Role, string? Unit, string? UserId), (DateTimeOffset Until, List<Recipient> Users)> _groups = new();

    public async Task<List<Recipient>> UsersAsync(JointOpsDbContext db, string country, string role, string? unit, string? userId,
        CancellationToken cancellationToken)
    {
        var key = (country, role, unit, userId);
        var now = time.GetUtcNow();
        if (_groups.TryGetValue(key, out var known) && known.Until > now)
        {
            return known.Users;
        }

        var users = await db.Users.AsNoTracking()
            .Where(u => u.Country == country && u.Email != null
                && (unit == null || u.Unit == unit) && (userId == null || u.Id == userId)
                && db.UserRoles.Any(ur => ur.UserId == u.Id && db.Roles.Any(r => r.Id == ur.RoleId && r.Name == role)))
            .Select(u => new Recipient(u.Id, u.Email!, u.DisplayName, u.Country, u.Language, u.EmailPreference))
            .ToListAsync(cancellationToken);
        _groups[key] = (now.AddSeconds(options.Value.RecipientCacheSeconds), users);
        return users;
    }

    public void Forget() => _groups.Clear();
}
