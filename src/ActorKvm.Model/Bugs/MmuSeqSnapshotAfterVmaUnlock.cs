namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 4, <c>mmu-seq-snapshot-after-vma-unlock</c>: mmu_invalidate_seq is sampled before mmap_read_unlock so every VMA-derived decision is covered by the retry check.
/// </summary>
/// <remarks>Kernel fix: 13ec9308a857. Where: kvm_s2_fault_get_vma_info (UserMemAbort.GetVmaInfo).</remarks>
public static class MmuSeqSnapshotAfterVmaUnlock
{
    /// <summary>The switch name.</summary>
    public const string Name = "mmu-seq-snapshot-after-vma-unlock";

    // Measured (README): a munmap then an mmap take six actor turns, which a fault's one turn between its VMA lookup
    // and its pfn lookup almost never spans (1-4 times in a 10 s run); one MAP_FIXED replacement takes two (20-50 times).
    /// <summary>What the stress workload must do before a run can show this switch (<c>run --bug</c> applies it).</summary>
    public static readonly BugNeeds Needs = new(
        "the stale VMA size shows only when a hugetlb VMA is replaced by 4K memory between kvm_s2_fault_get_vma_info and "
        + "__kvm_faultin_pfn, which one mmap(MAP_FIXED) does in two actor turns where munmap then mmap take six",
        MapFixedReplace: true);

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(4, Name, "13ec9308a857", "I1, I4", "mmu_invalidate_seq is sampled before mmap_read_unlock so every VMA-derived decision is covered by the retry check",
        Produces: Oracle.ViolationKind.StaleMapping, Needs: Needs);
}
