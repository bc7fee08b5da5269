using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Audit;

/// <summary>
/// Collects the audit entries of one command; the unit of work appends them to their chains in its transaction.
/// Each entry's hash covers its fields and the previous entry's hash, so an edited, deleted or reordered entry breaks the chain.
/// </summary>
public sealed class AuditTrail(JointOpsDbContext db, TimeProvider time)
{
    private readonly List<AuditEntry> _pending = [];

    public void Record(string stream, Guid? requestId, CurrentUser actor, string action,
        string? fromStep = null, string? toStep = null, string? decision = null, string? comment = null)
    {
        _pending.Add(new AuditEntry
        {
            Stream = stream,
            RequestId = requestId,
            At = Truncate(time.GetUtcNow()),
            ActorId = actor.Id,
            ActorName = actor.Name,
            Roles = string.Join(',', actor.Roles),
            Country = actor.Country,
            Action = action,
            FromStep = fromStep,
            ToStep = toStep,
            Decision = decision,
            Comment = comment,
        });
    }

    public async Task AppendPendingAsync(CancellationToken cancellationToken)
    {
        // Every chain's head in one round trip (a sweep escalates hundreds of requests at once).
        var streams = _pending.Select(e => e.Stream).Distinct().ToArray();
        var heads = (await db.AuditEntries
                .Where(e => streams.Contains(e.Stream))
                .GroupBy(e => e.Stream)
                .Select(g => g.OrderByDescending(e => e.Sequence).Select(e => new { e.Stream, e.Sequence, e.Hash }).First())
                .ToListAsync(cancellationToken))
            .ToDictionary(h => h.Stream);
        foreach (var chain in _pending.GroupBy(e => e.Stream))
        {
            var (sequence, previous) = heads.TryGetValue(chain.Key, out var head) ? (head.Sequence, head.Hash) : (0, "");
            foreach (var entry in chain)
            {
                entry.Sequence = ++sequence;
                entry.PreviousHash = previous;
                entry.Hash = previous = AuditChain.Hash(entry);
                db.AuditEntries.Add(entry);
            }
        }

        _pending.Clear();
    }

    // Hash only what every store keeps exactly (SQLite's ticks converter keeps 100 µs): whole milliseconds.
    private static DateTimeOffset Truncate(DateTimeOffset at) => new(at.Ticks - at.Ticks % TimeSpan.TicksPerMillisecond, at.Offset);
}

public sealed record ChainVerification(bool Verified, int? BrokenAtSequence, string? Reason);

public static class AuditChain
{
    public static string Hash(AuditEntry entry)
    {
        var text = string.Join('\u001f',
            entry.PreviousHash,
            entry.Stream,
            entry.RequestId?.ToString() ?? "",
            entry.Sequence.ToString(CultureInfo.InvariantCulture),
            entry.At.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            entry.ActorId,
            entry.ActorName,
            entry.Roles,
            entry.Country,
            entry.Action,
            entry.FromStep ?? "",
            entry.ToStep ?? "",
            entry.Decision ?? "",
            entry.Comment ?? "");
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
    }

    /// <summary>Checks entries of one chain, given in sequence order.</summary>
    public static ChainVerification Verify(IReadOnlyList<AuditEntry> entries)
    {
        var previous = "";
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i];
            if (entry.Sequence != i + 1)
            {
                return new ChainVerification(false, entry.Sequence, $"Entry {i + 1} is missing or out of order.");
            }

            if (entry.PreviousHash != previous)
            {
                return new ChainVerification(false, entry.Sequence, "The entry does not follow the one before it.");
            }

            if (Hash(entry) != entry.Hash)
            {
                return new ChainVerification(false, entry.Sequence, "The entry was changed after it was written.");
            }

            previous = entry.Hash;
        }

        return new ChainVerification(true, null, null);
    }
}
