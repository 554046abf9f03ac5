using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace ActorKvm.Bench.PureFaultPath;

/// <summary>
/// The pure fault path's job: a batch per iteration (its preparation is an iteration setup, so one invocation per
/// iteration), enough warm-up iterations for the JIT's tiering to settle (a short job measured tier-0 code), ten
/// measured iterations. A few seconds a case.
/// </summary>
public sealed class PureFaultPathConfig : ManualConfig
{
    public PureFaultPathConfig() =>
        AddJob(Job.Default.WithId("PureFaultPath").WithLaunchCount(1).WithWarmupCount(8).WithIterationCount(10).WithInvocationCount(1).WithUnrollFactor(1));
}
