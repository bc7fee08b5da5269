using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using JointOps.Bench;

// The engine alone: decisions and definition loading. See docs/benchmarks.md ("The engine").
if (args.Contains("--quick"))
{
    QuickRun.Run(Console.Out);
    return 0;
}

// In process: no generated project to build (the repository's analyzers would judge it) on a shared machine.
var config = DefaultConfig.Instance.AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance));
var summaries = BenchmarkSwitcher.FromTypes([typeof(DecisionBenchmarks), typeof(DefinitionBenchmarks)])
    .Run(args.Length == 0 ? ["--filter", "*"] : args, config);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
