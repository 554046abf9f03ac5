using BenchmarkDotNet.Configs;

namespace ActorKvm.Bench.Contention;

/// <summary>The contention matrix's columns (the job comes from the command line: <c>--job short</c>, or the default).</summary>
public sealed class ContentionConfig : ManualConfig
{
    public ContentionConfig()
    {
        AddColumn(
            new ContentionColumn(ContentionColumn.Metric.FaultsPerSecond),
            new ContentionColumn(ContentionColumn.Metric.RetriesPerFault),
            new ContentionColumn(ContentionColumn.Metric.P50),
            new ContentionColumn(ContentionColumn.Metric.P99),
            new ContentionColumn(ContentionColumn.Metric.HostOps),
            new ContentionColumn(ContentionColumn.Metric.VsLockBased));
    }
}
