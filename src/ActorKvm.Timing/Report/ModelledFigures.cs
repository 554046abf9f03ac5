using System.Globalization;
using ActorKvm.Timing.Machine;

namespace ActorKvm.Timing.Report;

/// <summary>
/// The figures of a modelled-time run as data (what <c>--json</c> prints, in this order; the same on any host):
/// modelled span, interleaving digest, faults and rates, latency, retries by cause, waits per resource, machine counters.
/// Not sealed: a verb's summary derives from it to put its own members first.
/// </summary>
/// <param name="ModelledNs">The vCPUs' longest busy span, modelled ns (rounded).</param>
/// <param name="Digest">The interleaving digest, 16 hex digits.</param>
/// <param name="Faults">Faults taken.</param>
/// <param name="Accesses">Guest accesses made.</param>
/// <param name="FaultsPerSecond">Aggregate faults per modelled second (rounded).</param>
/// <param name="FaultsPerSecondPerVcpu">Each vCPU's faults per modelled second of its own busy span (rounded).</param>
/// <param name="LatencyP50Us">Fault latency p50, modelled µs.</param>
/// <param name="LatencyP99Us">Fault latency p99, modelled µs.</param>
/// <param name="Retries">Retries by cause.</param>
/// <param name="WaitsUs">Modelled µs waited, per resource waited for (ordinal order).</param>
/// <param name="TlbiBroadcasts">Broadcast TLB invalidations.</param>
/// <param name="LockLineTransfers">mmu_lock word atomics that moved the cache line.</param>
/// <param name="Violations">Oracle violations.</param>
public record ModelledFigures(double ModelledNs, string Digest, long Faults, long Accesses, double FaultsPerSecond, IReadOnlyList<double> FaultsPerSecondPerVcpu,
    double LatencyP50Us, double LatencyP99Us, ModelledRetries Retries, IReadOnlyDictionary<string, double> WaitsUs, long TlbiBroadcasts, long LockLineTransfers,
    int Violations)
{
    /// <summary>The figures of <paramref name="m"/>.</summary>
    public static ModelledFigures Of(ModelledMachine m)
    {
        var x = m.Metrics;
        var kvm = m.Kvm;
        var waits = new SortedDictionary<string, double>(StringComparer.Ordinal);
        foreach (var (k, v) in x.Waits) waits[k] = Math.Round(v.Ns / 1000, 3);
        return new(Math.Round(m.Cpus.Where(c => c.IsVcpu).Select(c => c.BusySpan).DefaultIfEmpty(0).Max()), x.Digest.ToString("x16", CultureInfo.InvariantCulture),
            x.Faults, x.Accesses, Math.Round(ModelledSummary.FaultsPerSecond(m)),
            [.. m.Cpus.Where(c => c.IsVcpu).Select(c => c.BusySpan <= 0 ? 0 : Math.Round(c.Faults / (c.BusySpan / 1e9)))],
            Math.Round(x.LatencyQuantile(0.5) / 1000, 3), Math.Round(x.LatencyQuantile(0.99) / 1000, 3),
            new ModelledRetries(kvm.RetryCauses.InProgress, kvm.RetryCauses.SequenceMoved), waits, x.TlbiBroadcasts, x.LockLineTransfers, kvm.Oracle.Violations.Count);
    }
}

/// <summary>Retries of a modelled-time run by cause (the retry check's two reasons).</summary>
/// <param name="InProgress">An invalidation was in progress over the fault's range.</param>
/// <param name="SequenceMoved"><c>mmu_invalidate_seq</c> moved since the fault's snapshot.</param>
public sealed record ModelledRetries(long InProgress, long SequenceMoved);
