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

// In process: no project generated and built per benchmark class, which on a shared 2-core machine costs more than the run.
// Reports go to a temporary folder (printed at the end), not into the repository; --artifacts DIR chooses another.
var config = DefaultConfig.Instance
    .AddJob(Job.Default.WithToolchain(InProcessEmitToolchain.Instance))
    .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "jointops-engine-bench"));

// Without --filter BenchmarkSwitcher would ask which to run; everything is the useful default.
var summaries = BenchmarkSwitcher.FromTypes([typeof(DecisionBenchmarks), typeof(DefinitionBenchmarks)])
    .Run(args.Contains("--filter") ? args : [.. args, "--filter", "*"], config);
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
