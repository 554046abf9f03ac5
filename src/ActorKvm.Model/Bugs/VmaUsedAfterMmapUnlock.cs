namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 6, <c>vma-used-after-mmap-unlock</c>: VMA attributes are copied while mmap_lock is held; the VMA is never dereferenced after mmap_read_unlock.
/// </summary>
/// <remarks>Kernel fix: 8c2e8ac8ad4b. Where: user_mem_abort MTE check (kvm_vma_mte_allowed).</remarks>
public static class VmaUsedAfterMmapUnlock
{
    /// <summary>The switch name.</summary>
    public const string Name = "vma-used-after-mmap-unlock";

    /// <summary>What the stress workload must do before a run can show this switch (<c>run --bug</c> applies it).</summary>
    public static readonly BugNeeds Needs = new("the stale VMA is read for kvm_vma_mte_allowed, which user_mem_abort asks only in an MTE VM", Mte: true);

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(6, Name, "8c2e8ac8ad4b", "I6, I5", "VMA attributes are copied while mmap_lock is held; the VMA is never dereferenced after mmap_read_unlock",
        Produces: Oracle.ViolationKind.FreedVmaUse, Needs: Needs);

    /// <summary>
    /// <c>kvm_vma_mte_allowed(vma)</c> through a VMA pointer kept after <c>mmap_read_unlock</c>: the oracle sees the
    /// dereference of a VMA that was unmapped meanwhile (what KASAN reported).
    /// </summary>
    public static bool MteAllowed(Host.Vma vma, Oracle.KvmOracle? oracle)
    {
        if (vma.Dead) oracle?.FreedVmaUsed(vma);
        return vma.MteAllowed;
    }
}
