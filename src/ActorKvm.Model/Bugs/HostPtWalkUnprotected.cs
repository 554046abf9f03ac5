namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 7, <c>host-pt-walk-unprotected</c>: the host page-table walk after mmap unlock runs where page-table freeing must wait, and a missing mapping makes the fault retry.
/// </summary>
/// <remarks>Kernel fix: e86fc1a3a3e9. Where: transparent_hugepage_adjust -&gt; get_user_mapping_size.</remarks>
public static class HostPtWalkUnprotected
{
    /// <summary>The switch name.</summary>
    public const string Name = "host-pt-walk-unprotected";

    /// <summary>Why no faithful running workload reaches this switch (its scenario pair and TestKit pair force it).</summary>
    public const string Unreachable =
        "it needs host page tables freed with no MMU-notifier invalidation while a fault that passed its retry check walks them; " +
        "the only such step is exit_mmap's free_pgtables (the model's free-page-tables), which in the kernel runs after " +
        "mmu_notifier_release has torn stage 2 down (kvm_arch_flush_shadow_all) and after every thread of the mm - every vCPU - " +
        "has exited, so it never overlaps a user_mem_abort of that mm; every other table-freeing path (munmap, THP collapse " +
        "and split) runs inside an invalidation whose mmu_lock write waits for the fault, which then retries";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(7, Name, "e86fc1a3a3e9", "I6, I4", "the host page-table walk after mmap unlock runs where page-table freeing must wait, and a missing mapping makes the fault retry",
        Produces: Oracle.ViolationKind.FreedHostTableRead, Unreachable: Unreachable);

    /// <summary>
    /// <c>transparent_hugepage_adjust</c> after its huge-mapping gate, before e86fc1a3a3e9: <c>get_user_mapping_size</c>
    /// walked without disabling interrupts (so freeing the tables did not wait for it) and a missing mapping just meant
    /// "not a PMD". Aligns fault_ipa and pfn (not the canonical ipa) for a block; returns the size.
    /// </summary>
    public static ulong TransparentHugepageAdjust(Fault.KvmS2Fault f, Host.HostPageTable hostPt, Arch.Hva hva)
    {
        var raw = hostPt.MappingSizeUnprotected(hva);
        if (raw < Arch.Sizes.PmdSize) return Arch.Sizes.PageSize;
        f.FaultIpa = f.FaultIpa.AlignDown(Arch.Sizes.PmdSize);
        f.Pfn = f.Pfn.AlignDown(Arch.Sizes.PtrsPerPmd);
        return Arch.Sizes.PmdSize;
    }
}
