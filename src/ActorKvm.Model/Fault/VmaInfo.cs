using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Fault;

/// <summary>
/// What <c>kvm_s2_fault_get_vma_info</c> copied out of the VMA while holding <c>mmap_lock</c>. The VMA object
/// itself never leaves that phase ("Don't use the VMA after the unlock -- it may have vanished").
/// </summary>
/// <param name="VmaShift">The shift decided by <c>kvm_s2_resolve_vma_size</c> (after the fallback ladder).</param>
/// <param name="ForcePte">Blocks refused: logging, or a CONT_PTE hugetlb size, or a failed block check.</param>
/// <param name="PfnMap"><c>vm_flags &amp; (VM_PFNMAP | VM_MIXEDMAP)</c>.</param>
/// <param name="MteAllowed"><c>VM_MTE_ALLOWED</c>.</param>
/// <param name="IsCacheable"><c>kvm_vma_is_cacheable</c>.</param>
/// <param name="VfioAllowAnyUc"><c>VM_ALLOW_ANY_UNCACHED</c>.</param>
/// <param name="HostShift">The VMA's own page shift before the ladder (hugetlb size), for reports.</param>
/// <param name="BlockPastVmaEnd">
/// A PFNMAP block whose window runs past <c>vm_end</c>: <c>get_vma_page_shift</c> tests <c>ALIGN(hva, size) &lt;=
/// vm_end</c>, which a block-aligned hva passes whatever the VMA's length (<see cref="Oracle.UpstreamFindings.PfnmapBlockPastVmaEnd"/>).
/// </param>
public readonly record struct VmaInfo(int VmaShift, bool ForcePte, bool PfnMap, bool MteAllowed, bool IsCacheable, bool VfioAllowAnyUc, int HostShift,
    bool BlockPastVmaEnd = false)
{
    /// <summary><c>vma_pagesize</c>.</summary>
    public ulong VmaPageSize => 1UL << VmaShift;
}
