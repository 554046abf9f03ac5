using ActorKvm.Model.Arch;
using ActorKvm.Model.Stage2;

namespace ActorKvm.Timing.Machine;

/// <summary>
/// Sits between the stage-2 table and the oracle and counts what a step changed, so the step can be charged for it:
/// leaves installed by size, leaves removed (each needs a TLB invalidation), leaves whose permissions were reduced
/// (write-protect) or relaxed. Everything is forwarded unchanged.
/// </summary>
internal sealed class CountingObserver(IStage2Observer? inner) : IStage2Observer
{
    public long Installed4K;
    public long Installed2M;
    public long Installed1G;
    public long Removed;
    public long RemovedBlocks;
    public long Reduced;
    public long Relaxed;

    public void LeafInstalled(in S2Leaf leaf)
    {
        if (leaf.Size >= Sizes.PudSize) Installed1G++;
        else if (leaf.Size >= Sizes.PmdSize) Installed2M++;
        else Installed4K++;
        inner?.LeafInstalled(leaf);
    }

    public void LeafRemoved(in S2Leaf leaf)
    {
        Removed++;
        if (leaf.Size > Sizes.PageSize) RemovedBlocks++;
        inner?.LeafRemoved(leaf);
    }

    public void LeafUpdated(in S2Leaf before, in S2Leaf after)
    {
        if ((after.Prot & ~before.Prot & S2Prot.PermMask) != 0) Relaxed++;
        else if ((before.Prot & ~after.Prot & S2Prot.PermMask) != 0) Reduced++;
        inner?.LeafUpdated(before, after);
    }

    public void UninitialisedMemcacheUsed() => inner?.UninitialisedMemcacheUsed();

    public void EmptyMemcacheAlloc() => inner?.EmptyMemcacheAlloc();

    public void IcacheInvalPou(Pfn pfn, ulong size) => inner?.IcacheInvalPou(pfn, size);

    /// <summary>A copy of the counters (to diff around a step).</summary>
    public (long I4, long I2, long I1, long Rm, long RmB, long Red, long Rel) Snapshot() =>
        (Installed4K, Installed2M, Installed1G, Removed, RemovedBlocks, Reduced, Relaxed);
}
