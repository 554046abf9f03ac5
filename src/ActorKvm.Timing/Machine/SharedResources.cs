namespace ActorKvm.Timing.Machine;

/// <summary>
/// The parts of the machine every CPU shares, each with its own clock (when it is next free). They are what make costs
/// grow with the machine without a formula per vCPU count: contention for them emerges from the interleaving.
/// </summary>
internal sealed class SharedResources
{
    /// <summary>mmu_lock's word: when its cache line is free, and which CPU touched it last.</summary>
    public double LockLineFree;
    public int LockLineOwner = -1;
    /// <summary>The interconnect's broadcast-invalidation (DVM) channel: when it is free.</summary>
    public double DvmFree;
    /// <summary>The memory system: when its bandwidth is next free (a fluid queue).</summary>
    public double BusFree;

    /// <summary>
    /// An atomic on the lock word by <paramref name="cpu"/> at <paramref name="at"/>: it waits for the line, then owns it
    /// for a transfer (another CPU touched it last) or a local hit. Returns when the atomic completed.
    /// </summary>
    public double TouchLockLine(int cpu, double at, double bounce, double local)
    {
        var start = Math.Max(at, LockLineFree);
        LockLineFree = start + (LockLineOwner == cpu ? local : bounce);
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
    /// <paramref name="bytes"/> of memory traffic (clearing, writeback) started at <paramref name="at"/>: at most the core's
    /// bandwidth, and the machine's bandwidth shared first come first served. Returns its completion.
    /// </summary>
    public double Stream(double at, double bytes, double coreGbps, double machineGbps)
    {
        var start = Math.Max(at, BusFree);
        BusFree = start + bytes / machineGbps;
        return Math.Max(at + bytes / coreGbps, BusFree);
    }
}
