using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;

namespace ActorKvm.Bench.Contention;

/// <summary>
/// The contention matrix's columns and job. One operation is a whole run (0.3–3 s), so BenchmarkDotNet's pilot and
/// overhead stages have nothing to tune: one invocation per iteration, one warm-up iteration (after the untimed warm-up
/// run in the global setup), five measured iterations, one process per case — about 10 s a case, ~6 min for the 36
/// cases on the reference machine. Pass no <c>--job</c> on the command line (it would add a second job).
/// </summary>
public sealed class ContentionConfig : ManualConfig
{
    public ContentionConfig()
    {
        AddJob(Job.Default.WithId("Contention").WithLaunchCount(1).WithWarmupCount(1).WithIterationCount(5).WithInvocationCount(1).WithUnrollFactor(1));
        AddColumn(
            new ContentionColumn(ContentionColumn.Metric.FaultsPerSecond),
            new ContentionColumn(ContentionColumn.Metric.RetriesPerFault),
            new ContentionColumn(ContentionColumn.Metric.P50),
            new ContentionColumn(ContentionColumn.Metric.P99),
            new ContentionColumn(ContentionColumn.Metric.HostOps),
            new ContentionColumn(ContentionColumn.Metric.VsLockBased));
    }
}
