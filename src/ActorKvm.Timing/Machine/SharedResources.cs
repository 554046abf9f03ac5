namespace ActorKvm.Timing.Machine;

/// <summary>
/// The parts of the machine every CPU shares, each with its own clock (when it is next free). They are what make costs
/// grow with the machine without a formula per vCPU count: contention for them emerges from the interleaving.
/// </summary>
internal sealed class SharedResources
{
    private readonly List<(double Start, double End)> _streams = [];

    /// <summary>mmu_lock's word: when its cache line is free, and which CPU touched it last.</summary>
    public double LockLineFree;
    public int LockLineOwner = -1;
    /// <summary>The interconnect's broadcast-invalidation (DVM) channel: when it is free.</summary>
    public double DvmFree;

    /// <summary>
    /// An atomic on the lock word by <paramref name="cpu"/> at <paramref name="at"/>: it waits for the line, then owns it
    /// for a transfer (another CPU touched it last, or <paramref name="transfer"/>: another CPU holds a copy) or a local
    /// hit. Returns when the atomic completed.
    /// </summary>
    public double TouchLockLine(int cpu, double at, double bounce, double local, bool transfer = false)
    {
        var start = Math.Max(at, LockLineFree);
        LockLineFree = start + (LockLineOwner == cpu && !transfer ? local : bounce);
        LockLineOwner = cpu;
        return LockLineFree;
    }

    /// <summary>A broadcast TLBI + DSB issued at <paramref name="at"/>: serialised on the interconnect. Returns its completion.</summary>
    public double Broadcast(double at, double occupancy)
    {
        var start = Math.Max(at, DvmFree);
        DvmFree = start + occupancy;
        return DvmFree;
    }

    /// <summary>
    /// <paramref name="bytes"/> of memory traffic (clearing a new folio) started at <paramref name="at"/>; returns its
    /// completion. Its rate follows the memory system's loaded latency: a core streams with a bounded number of misses in
    /// flight, so its rate is its idle rate c × idle latency / loaded latency (Little's law), and the loaded latency of a
    /// memory system used at ρ of its bandwidth B is the idle latency / (1 − ρ) (an M/M/1 queue). With n streams in flight
    /// (this one included) sharing alike, each solves r = c (1 − n r / B): r = c / (1 + n c / B). A core slows as soon as
    /// others stream, not only past saturation, and together they never exceed B. The rate is fixed when the stream starts.
    /// </summary>
    public double Stream(double at, double bytes, double coreGbps, double machineGbps)
    {
        _streams.RemoveAll(s => s.End <= at);
        var n = 1;
        foreach (var s in _streams) if (s.Start <= at) n++;
        var rate = coreGbps / (1 + n * coreGbps / machineGbps);
        var end = at + bytes / rate;
        _streams.Add((at, end));
        return end;
    }
}
