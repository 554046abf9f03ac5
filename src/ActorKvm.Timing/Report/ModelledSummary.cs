using System.Globalization;
using ActorKvm.Timing.Machine;

namespace ActorKvm.Timing.Report;

/// <summary>The summary of a modelled-time run as text (<see cref="ModelledFigures"/> is the same as data): the same figures on any host.</summary>
public static class ModelledSummary
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Aggregate faults per modelled second over the vCPUs' span.</summary>
    public static double FaultsPerSecond(ModelledMachine m)
    {
        var span = m.Cpus.Where(c => c.IsVcpu).Select(c => c.BusySpan).DefaultIfEmpty(0).Max();
        return span <= 0 ? 0 : m.Metrics.Faults / (span / 1e9);
    }

    /// <summary>The text summary.</summary>
    public static void Write(TextWriter w, ModelledMachine m)
    {
        var x = m.Metrics;
        var kvm = m.Kvm;
        var span = m.Cpus.Where(c => c.IsVcpu).Select(c => c.BusySpan).DefaultIfEmpty(0).Max();
        w.WriteLine($"modelled time        {span / 1e6:0.000} ms (virtual CPUs: {m.Cpus.Count}; interleaving digest {x.Digest:x16})");
        w.WriteLine($"faults               {x.Faults} ({FaultsPerSecond(m):0} faults/s modelled, aggregate), {x.Accesses} accesses, {x.Steps} steps");
        w.WriteLine("faults/s per vCPU    " + string.Join(" ", m.Cpus.Where(c => c.IsVcpu).Select(c => c.BusySpan <= 0 ? "0" : (c.Faults / (c.BusySpan / 1e9)).ToString("0", Inv))));
        w.WriteLine($"fault latency        p50 {x.LatencyQuantile(0.5) / 1000:0.000} µs, p99 {x.LatencyQuantile(0.99) / 1000:0.000} µs (modelled; issue to finish, retries and waits included)");
        w.WriteLine("results              " + string.Join(", ", x.Results.Select(r => $"{r.Key} {r.Value}")));
        var retries = kvm.RetryCauses.InProgress + kvm.RetryCauses.SequenceMoved;
        w.WriteLine($"retries              {retries} ({(x.Faults == 0 ? 0 : (double)retries / x.Faults):0.000}/fault): invalidation in progress {kvm.RetryCauses.InProgress}, sequence moved {kvm.RetryCauses.SequenceMoved}");
        w.WriteLine("waits                " + (x.Waits.Count == 0 ? "none" : string.Join(", ", x.Waits.Select(k => $"{k.Key} {k.Value.Count}× {k.Value.Ns / 1000:0.0} µs"))));
        w.WriteLine($"machine              mmu_lock word atomics {x.LockWordAtomics} ({x.LockLineTransfers} line transfers), broadcast TLBIs {x.TlbiBroadcasts}");
        w.WriteLine($"violations           {kvm.Oracle.Violations.Count}");
    }
}
