using System.Diagnostics;
using ActorKvm.Model.Fault;

namespace ActorKvm.Engine.Workload;

/// <summary>
/// Fault latency as the workload sees it: for every guest access that took at least one fault, the wall time
/// from issuing it to hearing it finished — its faults, retries, lock and invalidation waits and the engine's
/// hand-offs included. Fed by <see cref="WorkloadDriver"/> (one access in flight per vCPU), so every engine is
/// timed by the same code. Not thread-safe: the driver's owner serialises the calls. Samples accumulate over
/// runs until <see cref="Clear"/>.
/// </summary>
public sealed class FaultLatencyRecorder
{
    private readonly long[] _issued;
    private long[] _samples;

    /// <summary>Creates a recorder for <paramref name="vcpus"/> vCPUs with room for <paramref name="capacity"/> samples before it grows.</summary>
    public FaultLatencyRecorder(int vcpus, int capacity = 1 << 16)
    {
        _issued = new long[vcpus];
        _samples = new long[Math.Max(16, capacity)];
    }

    /// <summary>Samples recorded.</summary>
    public int Count { get; private set; }

    /// <summary>An access was issued on <paramref name="vcpu"/>.</summary>
    public void Issued(int vcpu) => _issued[vcpu] = Stopwatch.GetTimestamp();

    /// <summary>An access finished: recorded when it faulted.</summary>
    public void Finished(GuestAccess access)
    {
        if (access.Faults.Count == 0) return;
        if (Count == _samples.Length) Array.Resize(ref _samples, _samples.Length * 2);
        _samples[Count++] = Stopwatch.GetTimestamp() - _issued[access.Vcpu.Index];
    }

    /// <summary>Forgets the samples.</summary>
    public void Clear() => Count = 0;

    /// <summary>The <paramref name="percentile"/> (0–100) latency in microseconds, nearest rank; 0 without samples.</summary>
    public double PercentileMicroseconds(double percentile)
    {
        if (Count == 0) return 0;
        var sorted = _samples.AsSpan(0, Count).ToArray();
        Array.Sort(sorted);
        var rank = (int)Math.Ceiling(percentile / 100.0 * Count) - 1;
        var ticks = sorted[Math.Clamp(rank, 0, Count - 1)];
        return ticks * 1_000_000.0 / Stopwatch.Frequency;
    }
}
