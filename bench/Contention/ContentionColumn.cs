using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace ActorKvm.Bench.Contention;

/// <summary>
/// A custom column of the contention matrix, read from what the benchmark process recorded for the case
/// (<see cref="ContentionMetrics"/>). Faults/s is the recorded faults per operation over BenchmarkDotNet's mean
/// operation time; "vs LockBased" is that throughput over the lock-based baseline's at the same parameters.
/// Shows "-" when a case recorded nothing.
/// </summary>
public sealed class ContentionColumn(ContentionColumn.Metric metric) : IColumn
{
    /// <summary>Which figure.</summary>
    public enum Metric { FaultsPerSecond, RetriesPerFault, P50, P99, HostOps, VsLockBased }

    public string Id => $"{nameof(ContentionColumn)}.{metric}";
    public string ColumnName => metric switch
    {
        Metric.FaultsPerSecond => "Faults/s",
        Metric.RetriesPerFault => "Retries/fault",
        Metric.P50 => "p50 latency",
        Metric.P99 => "p99 latency",
        Metric.HostOps => "Host ops/1k faults",
        _ => "vs LockBased",
    };
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => (int)metric;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => metric switch
    {
        Metric.FaultsPerSecond => "Handled faults per second (recorded faults per operation / mean operation time)",
        Metric.RetriesPerFault => "Faults that retried (mmu_invalidate_retry or no host mapping) per fault",
        Metric.P50 => "Median latency of a faulting guest access, issue to finish (retries and waits included)",
        Metric.P99 => "99th-percentile latency of a faulting guest access, issue to finish",
        Metric.HostOps => "Host MM operations run per 1000 faults (one per N faults, queued, the same on every engine: 62.5 Moderate, 500 Heavy)",
        _ => "Faults/s over the LockBased baseline's at the same Vcpus and InvalidationRate",
    };

    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public bool IsAvailable(Summary summary) => true;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var c = CultureInfo.InvariantCulture;
        var m = Load(benchmarkCase, benchmarkCase.Descriptor.WorkloadMethod.Name);
        if (m is null) return "-";
        return metric switch
        {
            Metric.FaultsPerSecond => FaultsPerSecond(summary, benchmarkCase, m).ToString("N0", c),
            Metric.RetriesPerFault => m.RetriesPerFault.ToString("F3", c),
            Metric.P50 => Micros(m.P50Us),
            Metric.P99 => Micros(m.P99Us),
            Metric.HostOps => m.HostOpsPerKiloFault.ToString("F0", c),
            _ => VsLockBased(summary, benchmarkCase, m),
        };
    }

    public override string ToString() => ColumnName;

    private static string VsLockBased(Summary summary, BenchmarkCase benchmarkCase, ContentionMetrics m)
    {
        var baselineCase = summary.BenchmarksCases.FirstOrDefault(b =>
            b.Descriptor.WorkloadMethod.Name == nameof(ContentionBenchmarks.LockBased) && b.Parameters.ValueInfo == benchmarkCase.Parameters.ValueInfo);
        var baseline = baselineCase is null ? null : Load(baselineCase, nameof(ContentionBenchmarks.LockBased));
        if (baselineCase is null || baseline is null) return "-";
        var b = FaultsPerSecond(summary, baselineCase, baseline);
        return b == 0 ? "-" : (FaultsPerSecond(summary, benchmarkCase, m) / b).ToString("F2", CultureInfo.InvariantCulture);
    }

    private static double FaultsPerSecond(Summary summary, BenchmarkCase benchmarkCase, ContentionMetrics m)
    {
        var meanNs = summary[benchmarkCase]?.ResultStatistics?.Mean;
        return meanNs is > 0 ? m.FaultsPerOperation / (meanNs.Value / 1e9) : m.FaultsPerSecond;
    }

    private static ContentionMetrics? Load(BenchmarkCase benchmarkCase, string method)
    {
        var vcpus = benchmarkCase.Parameters[nameof(ContentionBenchmarks.Vcpus)];
        var rate = benchmarkCase.Parameters[nameof(ContentionBenchmarks.InvalidationRate)];
        if (vcpus is not int v || rate is not InvalidationRate r) return null;
        return ContentionMetrics.Load(ContentionMetrics.PathFor(method, v, r));
    }

    private static string Micros(double us) =>
        us >= 1000 ? (us / 1000).ToString("F2", CultureInfo.InvariantCulture) + " ms" : us.ToString("F1", CultureInfo.InvariantCulture) + " μs";
}
