using ActorKvm.Engine.Workload;

namespace ActorKvm.Stress.Output.Json;

/// <summary>The <c>run --vcpus 1,2,8 --json</c> object: one point per vCPU count.</summary>
internal sealed record SweepSummary(ulong Seed, double? HostOpsPerSecondRequested, int? InvalidateEvery, IReadOnlyList<SweepPoint> Sweep)
{
    public static SweepSummary Of(WorkloadOptions o, IEnumerable<(int Vcpus, StressResult Result)> rows) =>
        new(o.Seed, o.InvalidateRate > 0 ? o.InvalidateRate : null, o.InvalidateRate > 0 ? null : o.InvalidateEvery, [.. rows.Select(x => SweepPoint.Of(x.Vcpus, x.Result))]);
}

/// <summary>One point of a sweep.</summary>
internal sealed record SweepPoint(int Vcpus, long Faults, double FaultsPerSecond, double RetriesPerFault, long HostOps, double HostOpsPerSecond,
    string? LatencyUnit, double? LatencyP50, double? LatencyP99, int ViolationSubjects, int ViolationEvents)
{
    public static SweepPoint Of(int n, StressResult r)
    {
        var lat = r.Latency is { Count: > 0 } l ? l : null;
        return new(n, r.Stats.Faults, Math.Round(r.Stats.Faults / Math.Max(r.Elapsed.TotalSeconds, 1e-9)), Math.Round(r.Stats.RetriesPerFault, 4),
            r.Stats.HostOps, Math.Round(RunReport.HostOpRate(r), 1), lat?.Unit, lat is null ? null : Math.Round(lat.Percentile(50)),
            lat is null ? null : Math.Round(lat.Percentile(99)), ViolationTally.Of(r.Violations).Count, r.Violations.Count);
    }
}
