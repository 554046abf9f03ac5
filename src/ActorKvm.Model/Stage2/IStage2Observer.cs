using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Stage2;

/// <summary>
/// Callbacks through which an oracle tracks what a <see cref="Stage2PageTable"/> changed, at a cost
/// proportional to the change. Callbacks run in the middle of an operation: they may read the table
/// but must not modify it.
/// </summary>
public interface IStage2Observer
{
    /// <summary>A valid leaf appeared (map, fault-path collapse target, eager split).</summary>
    void LeafInstalled(in S2Leaf leaf);

    /// <summary>
    /// A valid leaf disappeared: unmap, break-before-make replacement, table collapse (each leaf of the
    /// freed tables), block split in the fault path or by eager split, <see cref="Stage2PageTable.Clear"/>.
    /// </summary>
    void LeafRemoved(in S2Leaf leaf);

    /// <summary>A leaf changed in place (relax, wrprotect, mkyoung, test_clear_young, software bits only).</summary>
    void LeafUpdated(in S2Leaf before, in S2Leaf after);

    /// <summary>A map needed a table page from a memcache that was never initialised (kernel fix 157dbc4a321f).</summary>
    void UninitialisedMemcacheUsed();

    /// <summary>
    /// A map needed a table page from an empty memcache: <c>kvm_mmu_memory_cache_alloc</c> hits <c>WARN_ON(!mc-&gt;nobjs)</c>
    /// and falls back to a <c>GFP_ATOMIC</c> page (<see cref="KvmMmuMemoryCache.TryTakeAtomic"/>).
    /// </summary>
    void EmptyMemcacheAlloc() { }

    /// <summary>
    /// <c>mm_ops-&gt;icache_inval_pou</c> over the <paramref name="size"/> bytes at <paramref name="pfn"/>: a map about to
    /// install an executable leaf (<c>stage2_map_walker_try_leaf</c>) or a relax about to add X (<c>stage2_attr_walker</c>)
    /// invalidated the I-cache for those pages first. (With <c>ARM64_HAS_CACHE_DIC</c> the kernel's helper does nothing.)
    /// </summary>
    void IcacheInvalPou(Pfn pfn, ulong size) { }
}
