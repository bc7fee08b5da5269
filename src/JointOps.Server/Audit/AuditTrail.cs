using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using JointOps.Server.Infrastructure;
using JointOps.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Audit;

/// <summary>
/// Collects the audit entries of one command; the unit of work appends them to their chains in its transaction.
/// Each entry's hash covers its fields and the previous entry's hash, so an edited, deleted or reordered entry breaks
/// the chain; the chain's last sequence and hash are kept apart from it (on the request row, or in AuditHeads),
/// so deleting the newest entries is caught too.
/// </summary>
public sealed class AuditTrail(JointOpsDbContext db, RowWriter rows, TimeProvider time)
{
    private readonly List<(AuditEntry Entry, Request? Request)> _pending = [];

    /// <summary>An action on a request: its chain is anchored on the request row, which the command already holds.</summary>
    public void Record(Request request, CurrentUser actor, string action,
        string? fromStep = null, string? toStep = null, string? decision = null, string? comment = null) =>
        _pending.Add((NewEntry(request.Reference, request.Id, actor, action, fromStep, toStep, decision, comment), request));

    /// <summary>An action outside any request (a workflow, an account): its chain is anchored in AuditHeads.</summary>
    public void Record(string stream, CurrentUser actor, string action, string? decision = null, string? comment = null) =>
        _pending.Add((NewEntry(stream, null, actor, action, null, null, decision, comment), null));

    public async Task AppendPendingAsync(CancellationToken cancellationToken)
    {
        if (_pending.Count == 0)
        {
            return;
        }

        var streams = _pending.Where(p => p.Request is null).Select(p => p.Entry.Stream).Distinct().ToArray();
        var heads = streams.Length == 0
            ? []
            : await db.AuditHeads.Where(h => streams.Contains(h.Stream)).ToDictionaryAsync(h => h.Stream, cancellationToken);
        foreach (var (entry, request) in _pending)
        {
            if (request is not null)
            {
                Chain(entry, request.AuditSequence, request.AuditHash);
                (request.AuditSequence, request.AuditHash) = (entry.Sequence, entry.Hash);
                continue;
            }

            if (!heads.TryGetValue(entry.Stream, out var head))
            {
                head = heads[entry.Stream] = new AuditHead { Stream = entry.Stream };
                db.AuditHeads.Add(head);
            }

            Chain(entry, head.Sequence, head.Hash);
            (head.Sequence, head.Hash) = (entry.Sequence, entry.Hash);
        }

        _pending.Clear();
    }

    // Two commands appending to one chain at once write the same sequence: the unique index refuses the second.
    private void Chain(AuditEntry entry, int previousSequence, string previousHash)
    {
        entry.Sequence = previousSequence + 1;
        entry.PreviousHash = previousHash;
        entry.Hash = AuditChain.Hash(entry);
        rows.Insert(entry);
    }

    private AuditEntry NewEntry(string stream, Guid? requestId, CurrentUser actor, string action,
        string? fromStep, string? toStep, string? decision, string? comment) => new()
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
    };

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

    /// <summary>Checks entries of one chain, given in sequence order, against the chain's anchor (its last sequence and hash).</summary>
    public static ChainVerification Verify(IReadOnlyList<AuditEntry> entries, int anchorSequence, string anchorHash)
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

        if (entries.Count != anchorSequence || previous != anchorHash)
        {
            return entries.Count < anchorSequence
                ? new ChainVerification(false, entries.Count + 1, $"Entries {entries.Count + 1} to {anchorSequence} are missing.")
                : new ChainVerification(false, entries.Count == 0 ? null : entries[^1].Sequence,
                    "The chain does not end where its anchor says it does.");
        }

        return new ChainVerification(true, null, null);
    }
}
