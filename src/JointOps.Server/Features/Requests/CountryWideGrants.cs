using System.Collections.Concurrent;
using JointOps.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Features.Requests;

/// <summary>
/// Whether any grant opens requests of a country to a role country-wide, remembered: a search asks it every time, and
/// as a prepared statement PostgreSQL planned it once for all roles, a scan of every grant (620 ms at a million
/// requests) for a role that has none. Grants are never taken back, so "yes" is kept; "no" is asked again after
/// <see cref="NoFor"/>, and forgotten at once when this server writes such a grant (another server's first one is
/// seen within <see cref="NoFor"/>). A stale "no" only narrows a search to the caller's unit; it never widens one.
/// </summary>
public sealed class CountryWideGrants(TimeProvider time)
{
    public static readonly TimeSpan NoFor = TimeSpan.FromSeconds(30);

    // What is known per country and role, and until when: "yes" for good, "no" for NoFor.
    private readonly ConcurrentDictionary<(string Country, string Role), (bool Any, DateTimeOffset Until)> _known = new();

    /// <summary>A country-wide grant is being written (if its transaction fails, "yes" only costs a wider query).</summary>
    public void Saw(string country, string role) => _known[(country, role)] = (true, DateTimeOffset.MaxValue);

    public async Task<bool> AnyAsync(JointOpsDbContext db, string country, IEnumerable<string> roles, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var role in roles)
        {
            if (!_known.TryGetValue((country, role), out var known) || known.Until <= now)
            {
                known = await db.Grants.AnyAsync(g => g.Country == country && g.Role == role && g.Unit == null, cancellationToken)
                    ? (true, DateTimeOffset.MaxValue)
                    : (false, now + NoFor);

                // A "yes" written meanwhile by Saw stays.
                _known.AddOrUpdate((country, role), known, (_, current) => current.Any ? current : known);
            }

            if (known.Any)
            {
                return true;
            }
        }

        return false;
    }
}
