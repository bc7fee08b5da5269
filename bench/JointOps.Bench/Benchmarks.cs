using BenchmarkDotNet.Attributes;
using JointOps.Engine.Definitions;
using JointOps.Engine.Runtime;

namespace JointOps.Bench;

/// <summary>What the server asks the engine for each decision and each view of a request.</summary>
[MemoryDiagnoser]
public class DecisionBenchmarks
{
    private Scenario _scenario = null!;

    [GlobalSetup]
    public void Setup() => _scenario = new Scenario();

    [Benchmark]
    public DecisionResult Decide() => _scenario.Approve();

    [Benchmark]
    public IReadOnlyList<string> AllowedDecisions() => _scenario.AllowedDecisions();

    [Benchmark]
    public bool IsActorOf() => _scenario.IsActorOf();
}

/// <summary>Parsing and validating a definition, as the server does at start and on every edit or publish.</summary>
[MemoryDiagnoser]
public class DefinitionBenchmarks
{
    private Scenario _scenario = null!;

    [GlobalSetup]
    public void Setup() => _scenario = new Scenario();

    [Benchmark]
    public LoadResult LoadLarge() => _scenario.LoadLarge();

    [Benchmark]
    public LoadResult LoadMutualAssistance() => _scenario.LoadMutualAssistance();
}
