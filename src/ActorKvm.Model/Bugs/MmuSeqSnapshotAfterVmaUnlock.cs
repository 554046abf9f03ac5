namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 4, <c>mmu-seq-snapshot-after-vma-unlock</c>: mmu_invalidate_seq is sampled before mmap_read_unlock so every VMA-derived decision is covered by the retry check.
/// </summary>
/// <remarks>Kernel fix: 13ec9308a857. Where: kvm_s2_fault_get_vma_info (UserMemAbort.GetVmaInfo).</remarks>
public static class MmuSeqSnapshotAfterVmaUnlock
{
    /// <summary>The switch name.</summary>
    public const string Name = "mmu-seq-snapshot-after-vma-unlock";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(4, Name, "13ec9308a857", "I1, I4", "mmu_invalidate_seq is sampled before mmap_read_unlock so every VMA-derived decision is covered by the retry check");
}
