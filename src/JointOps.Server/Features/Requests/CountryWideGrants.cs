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

    private readonly ConcurrentDictionary<(string Country, string Role), DateTimeOffset> _none = new();
    private readonly ConcurrentDictionary<(string Country, string Role), bool> _some = new();

    /// <summary>A country-wide grant is being written (if its transaction fails, "yes" only costs a wider query).</summary>
    public void Saw(string country, string role)
    {
        _some[(country, role)] = true;
        _none.TryRemove((country, role), out _);
    }

    public async Task<bool> AnyAsync(JointOpsDbContext db, string country, IEnumerable<string> roles, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var role in roles)
        {
            var key = (country, role);
            if (_some.ContainsKey(key))
            {
                return true;
            }

            if (_none.TryGetValue(key, out var until) && until > now)
            {
                continue;
            }

            if (await db.Grants.AnyAsync(g => g.Country == country && g.Role == role && g.Unit == null, cancellationToken))
            {
                Saw(country, role);
                return true;
            }

            _none[key] = now + NoFor;
        }

        return false;
    }
}
