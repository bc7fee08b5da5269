using JointOps.Server.Persistence;
using Microsoft.EntityFrameworkCore;

namespace JointOps.Server.Audit;

public sealed record BrokenChain(string Stream, int? AtSequence, string Reason);

public sealed record AuditReport(int Chains, long Entries, IReadOnlyList<BrokenChain> Broken)
{
    public bool Verified => Broken.Count == 0;
}

/// <summary>
/// Verifies every audit chain against its anchor: each request's chain a page of requests at a time
/// (memory stays flat at a million requests), then the chains anchored in AuditHeads, then entries that no anchor claims.
/// </summary>
public sealed class AuditVerification(JointOpsDbContext db)
{
    private const int PageSize = 500;

    public async Task<AuditReport> VerifyAllAsync(CancellationToken cancellationToken)
    {
        var broken = new List<BrokenChain>();
        var chains = 0;
        var entries = 0L;

        string? after = null;
        while (true)
        {
            var anchors = await db.Requests.AsNoTracking()
                .Where(r => after == null || r.Reference.CompareTo(after) > 0)
                .OrderBy(r => r.Reference)
                .Take(PageSize)
                .Select(r => new Anchor(r.Reference, r.AuditSequence, r.AuditHash))
                .ToListAsync(cancellationToken);
            if (anchors.Count == 0)
            {
                break;
            }

            var streams = anchors.Select(a => a.Stream).ToList();
            var page = await db.AuditEntries.AsNoTracking()
                .Where(e => streams.Contains(e.Stream))
                .OrderBy(e => e.Stream).ThenBy(e => e.Sequence)
                .ToListAsync(cancellationToken);
            entries += page.Count;
            chains += anchors.Count;
            Check(anchors, page.ToLookup(e => e.Stream), broken);
            after = anchors[^1].Stream;
        }

        var heads = await db.AuditHeads.AsNoTracking()
            .Select(h => new Anchor(h.Stream, h.Sequence, h.Hash))
            .ToListAsync(cancellationToken);
        var others = await db.AuditEntries.AsNoTracking()
            .Where(e => e.RequestId == null)
            .OrderBy(e => e.Stream).ThenBy(e => e.Sequence)
            .ToListAsync(cancellationToken);
        entries += others.Count;
        chains += heads.Count;
        var byStream = others.ToLookup(e => e.Stream);
        Check(heads, byStream, broken);

        // Entries no anchor claims: a chain whose request or head row was removed, or entries written beside the trail.
        var headStreams = heads.Select(h => h.Stream).ToHashSet(StringComparer.Ordinal);
        broken.AddRange(byStream.Where(g => !headStreams.Contains(g.Key))
            .Select(g => new BrokenChain(g.Key, g.First().Sequence, "The chain has no anchor.")));
        var orphans = await db.AuditEntries.AsNoTracking()
            .Where(e => e.RequestId != null && !db.Requests.Any(r => r.Reference == e.Stream))
            .Select(e => e.Stream).Distinct().ToListAsync(cancellationToken);
        broken.AddRange(orphans.Select(stream => new BrokenChain(stream, null, "The chain has no anchor.")));

        return new AuditReport(chains, entries, broken);
    }

    private static void Check(List<Anchor> anchors, ILookup<string, AuditEntry> entries, List<BrokenChain> broken)
    {
        foreach (var anchor in anchors)
        {
            var check = AuditChain.Verify(entries[anchor.Stream].ToList(), anchor.Sequence, anchor.Hash);
            if (!check.Verified)
            {
                broken.Add(new BrokenChain(anchor.Stream, check.BrokenAtSequence, check.Reason!));
            }
        }
    }

    private sealed record Anchor(string Stream, int Sequence, string Hash);
}
