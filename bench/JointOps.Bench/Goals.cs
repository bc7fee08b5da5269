namespace JointOps.Bench;

/// <summary>A benchmark's target: the longest mean time and, where it matters, the most bytes allocated per call.</summary>
public sealed record Goal(string Benchmark, TimeSpan MaxMean, long? MaxAllocated)
{
    public static readonly IReadOnlyList<Goal> All =
    [
        new("Decide", TimeSpan.FromMicroseconds(5), 2048),
        new("AllowedDecisions", TimeSpan.FromMicroseconds(5), 2048),
        new("IsActorOf", TimeSpan.FromMicroseconds(5), 2048),
        new("LoadLarge", TimeSpan.FromMilliseconds(5), null),
        new("LoadMutualAssistance", TimeSpan.FromMilliseconds(5), null),
    ];

    public bool IsMet(double meanNanoseconds, long allocated) => meanNanoseconds <= MaxMean.TotalNanoseconds && (MaxAllocated is null || allocated <= MaxAllocated);
}
