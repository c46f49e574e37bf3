using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Engines;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Tollgate.Benchmarks.Ledger;

/// <summary>
/// In-process (the shared machine is too loaded to rebuild a boilerplate project within BenchmarkDotNet's build
/// timeout), one invocation per iteration (each appends fresh records), few iterations so a run takes minutes.
/// </summary>
internal sealed class LedgerBenchConfig : ManualConfig
{
    public LedgerBenchConfig() => AddJob(Job.Default
        .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(60), logOutput: true))
        .WithStrategy(RunStrategy.Monitoring)
        .WithLaunchCount(1)
        .WithWarmupCount(1)
        .WithIterationCount(6)
        .WithInvocationCount(1)
        .WithUnrollFactor(1)
        .WithId("ledger"));
}

/// <summary>In-process, default iteration logic but capped, for the (fast) report queries.</summary>
internal sealed class LedgerReportBenchConfig : ManualConfig
{
    public LedgerReportBenchConfig() => AddJob(Job.ShortRun
        .WithToolchain(new InProcessEmitToolchain(TimeSpan.FromMinutes(60), logOutput: true))
        .WithId("ledger-report"));
}
