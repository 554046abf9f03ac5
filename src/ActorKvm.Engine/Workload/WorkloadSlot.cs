using ActorKvm.Model.Host;

namespace ActorKvm.Engine.Workload;

/// <summary>One memslot of the workload and the VMA behind it.</summary>
/// <param name="Id">Memslot id.</param>
/// <param name="Gpa">First guest physical address.</param>
/// <param name="Size">Slot size in bytes.</param>
/// <param name="Hva">Host virtual address the slot starts at (may lie inside the VMA, see <see cref="VmaHva"/>).</param>
/// <param name="VmaHva">Start of the VMA that backs the slot.</param>
/// <param name="VmaSize">Size of that VMA (it may be larger than the slot).</param>
/// <param name="Backing">What backs the VMA when the workload starts.</param>
public sealed record WorkloadSlot(int Id, ulong Gpa, ulong Size, ulong Hva, ulong VmaHva, ulong VmaSize, BackingKind Backing);

/// <summary>
/// A small extra slot whose shape exercises one of the kernel's size or attribute decisions, the way real VMMs
/// lay memory out: a slot whose HVA is not congruent with its IPA modulo 2M, a slot ending in the middle of a
/// huge page, hugetlb sizes stage 2 cannot map as one block, a PUD hugetlb page larger than its slot, device
/// memory with and without struct pages, cacheable device memory.
/// </summary>
/// <param name="Backing">What backs the VMA.</param>
/// <param name="VmaSize">Size of the VMA.</param>
/// <param name="SlotSize">Size of the memslot (at most <paramref name="VmaSize"/> minus <paramref name="HvaSkew"/>).</param>
/// <param name="HvaSkew">Offset of the slot's HVA into the VMA; the slot's IPA stays aligned, so a non-zero skew breaks IPA/HVA congruence.</param>
/// <param name="Why">The kernel decision it exercises (documentation).</param>
public sealed record OddSlot(BackingKind Backing, ulong VmaSize, ulong SlotSize, ulong HvaSkew, string Why)
{
    /// <summary>
    /// The default set. Each is the shape a bug catalog entry needs to show, but the workload only lays them out:
    /// which faults, host operations and interleavings touch them is the workload's random choice.
    /// </summary>
    public static IReadOnlyList<OddSlot> Defaults { get; } =
    [
        new(BackingKind.Thp, 4UL << 20, 2UL << 20, 4UL << 10, "THP slot whose HVA is 4K-skewed against its IPA (fault_supports_stage2_huge_mapping: no block)"),
        new(BackingKind.Hugetlb2M, 4UL << 20, 3UL << 20, 0, "3M slot ending inside a 2M huge page (a block must fit the memslot)"),
        new(BackingKind.Hugetlb64K, 2UL << 20, 2UL << 20, 0, "hugetlb 64K (CONT_PTE): not a stage-2 block size, mapped with 4K pages"),
        new(BackingKind.Hugetlb32M, 32UL << 20, 32UL << 20, 0, "hugetlb 32M (CONT_PMD): not a stage-2 block size, mapped with 2M blocks"),
        new(BackingKind.Hugetlb1G, 1UL << 30, 512UL << 20, 0, "hugetlb 1G page in a 512M slot: no PUD block, a PMD block before pages"),
        new(BackingKind.DeviceMixedmap, 2UL << 20, 2UL << 20, 0, "VM_MIXEDMAP device memory with struct pages (faultin takes a reference)"),
        new(BackingKind.Device, 2UL << 20, 2UL << 20, 0, "VM_PFNMAP|VM_IO device memory: Device memtype, no THP upgrade"),
        new(BackingKind.DeviceCacheable, 2UL << 20, 2UL << 20, 0, "cacheable VM_PFNMAP: Normal-cacheable only with FWB and DIC, else the slot is refused"),
    ];

    /// <summary>
    /// The slot an MTE VM adds: shared memfd memory that the VMM also maps with <c>PROT_MTE</c>, so a page can have a
    /// second tag initialiser (<c>mte_sync_tags</c>) besides the vCPU's fault (<c>sanitise_mte_tags</c>).
    /// </summary>
    public static OddSlot MteSharedMemory { get; } =
        new(BackingKind.Shmem, 2UL << 20, 2UL << 20, 0, "shared memfd memory the VMM also maps with PROT_MTE: a second MTE tag initialiser");
}
