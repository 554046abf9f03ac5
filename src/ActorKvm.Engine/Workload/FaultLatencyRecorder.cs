using System.Diagnostics;
using ActorKvm.Model.Fault;

namespace ActorKvm.Engine.Workload;

/// <summary>
/// Fault latency, the one definition every engine and report uses (<c>run</c>'s p50/p99/max, the contention
/// benchmarks' columns): for every guest access that took at least one fault, the time its vCPU was out of the
/// guest for it — from the access being issued (the abort) to the vCPU being told it finished (the re-entry), so
/// all its faults, <c>mmu_invalidate_retry</c> retries, <c>mmu_lock</c>, invalidation and SRCU waits and the
/// engine's own hand-offs count. That is what a KVM developer means by fault latency (the guest-visible stall of
/// a faulting access, retries included), rather than one pass through <c>user_mem_abort</c>. Fed by
/// <see cref="WorkloadDriver"/> (one access in flight per vCPU), so every engine is timed by the same code, on an
/// injected clock: wall time (<see cref="WallClock"/>) when free-running, message deliveries on the deterministic
/// dispatcher. Samples go to a <see cref="LatencyHistogram"/>: fixed memory, no allocation per sample. Not
/// thread-safe: the driver's owner serialises the calls. Samples accumulate over runs until <see cref="Clear"/>.
/// </summary>
public sealed class FaultLatencyRecorder
{
    private readonly Func<long> _clock;
    private readonly double _unitsPerTick;
    private readonly long[] _issued;

    /// <summary>
    /// Creates a recorder for <paramref name="vcpus"/> vCPUs over <paramref name="clock"/>, whose ticks are
    /// <paramref name="unitsPerTick"/> of <paramref name="unit"/> each.
    /// </summary>
    public FaultLatencyRecorder(int vcpus, Func<long> clock, string unit, double unitsPerTick = 1)
    {
        _issued = new long[vcpus];
        _clock = clock;
        Unit = unit;
        _unitsPerTick = unitsPerTick;
    }

    /// <summary>A wall-clock recorder (<see cref="Stopwatch"/> ticks, reported in microseconds).</summary>
    public static FaultLatencyRecorder WallClock(int vcpus) =>
        new(vcpus, Stopwatch.GetTimestamp, "us", 1_000_000.0 / Stopwatch.Frequency);

    /// <summary>The unit of <see cref="Percentile"/> and <see cref="Max"/> (<c>us</c> or <c>deliveries</c>).</summary>
    public string Unit { get; }

    /// <summary>The samples, in clock ticks.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>Samples recorded.</summary>
    public long Count => Latency.Count;

    /// <summary>An access was issued on <paramref name="vcpu"/>.</summary>
    public void Issued(int vcpu) => _issued[vcpu] = _clock();

    /// <summary>An access finished: recorded when it faulted.</summary>
    public void Finished(GuestAccess access)
    {
        if (access.Faults.Count == 0) return;
        Latency.Record(_clock() - _issued[access.Vcpu.Index]);
    }

    /// <summary>Forgets the samples.</summary>
    public void Clear() => Latency.Clear();

    /// <summary>The <paramref name="percentile"/> (0–100) latency in <see cref="Unit"/> (within the histogram's ~6%); 0 without samples.</summary>
    public double Percentile(double percentile) => Latency.Percentile(percentile) * _unitsPerTick;

    /// <summary>The largest latency in <see cref="Unit"/>.</summary>
    public double Max => Latency.Max * _unitsPerTick;
}
