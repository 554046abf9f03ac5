using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;

namespace ActorKvm.Model.Fault;

/// <summary>Block-size rules shared by the fault path and the oracle (<c>arch/arm64/kvm/mmu.c</c>).</summary>
public static class Stage2HugeMapping
{
    /// <summary>
    /// <c>fault_supports_stage2_huge_mapping</c>: a block of <paramref name="mapSize"/> is allowed only if the
    /// slot's IPA and HVA are congruent modulo the size and the aligned block around hva lies inside the slot.
    /// </summary>
    public static bool FaultSupportsStage2HugeMapping(Memslot slot, Hva hva, ulong mapSize)
    {
        if (mapSize == Sizes.PageSize) return true;
        var gpaStart = slot.Gpa.Value;
        var uaddrStart = slot.UserspaceAddr.Value;
        var uaddrEnd = uaddrStart + slot.Size;
        if ((gpaStart & (mapSize - 1)) != (uaddrStart & (mapSize - 1))) return false;
        var blockStart = hva.Value & ~(mapSize - 1);
        return blockStart >= uaddrStart && blockStart + mapSize <= uaddrEnd;
    }

    /// <summary>
    /// <c>get_vma_page_shift</c>: the hstate shift for hugetlb; for PFNMAP the largest of PUD/PMD whose window
    /// is congruent with the physical address and inside the VMA; else PAGE_SHIFT.
    /// </summary>
    /// <remarks>
    /// The kernel tests <c>ALIGN(hva, size) &lt;= vm_end</c> (rounding hva up), not that the whole window fits;
    /// our notes paraphrase it as "fully inside". We follow the kernel; the memslot check bounds the block.
    /// </remarks>
    public static int GetVmaPageShift(Vma vma, Hva hva)
    {
        if (vma.IsHugetlb && !vma.IsPfnMap) return System.Numerics.BitOperations.Log2(vma.HugePageSize);
        if (!vma.IsPfnMap) return Sizes.PageShift;
        var pa = (vma.PgOff << Sizes.PageShift) + (hva - vma.Start);
        foreach (var (size, shift) in new[] { (Sizes.PudSize, Sizes.PudShift), (Sizes.PmdSize, Sizes.PmdShift) })
        {
            if ((hva.Value & (size - 1)) == (pa & (size - 1))
                && hva.AlignDown(size) >= vma.Start
                && AlignUp(hva.Value, size) <= vma.End.Value)
                return shift;
        }
        return Sizes.PageShift;
    }

    /// <summary>
    /// <c>kvm_s2_resolve_vma_size</c>'s fallback ladder: PUD → (CONT_PMD →) PMD → (CONT_PTE →) PAGE, each block
    /// kept only if <see cref="FaultSupportsStage2HugeMapping"/> allows it; CONT_PTE sets force_pte.
    /// </summary>
    public static (int Shift, bool ForcePte) ResolveVmaShift(Memslot slot, Hva hva, int vmaShift, bool forcePte)
    {
        switch (vmaShift)
        {
            case Sizes.PudShift:
                if (FaultSupportsStage2HugeMapping(slot, hva, Sizes.PudSize)) return (Sizes.PudShift, forcePte);
                goto case Sizes.ContPmdShift;
            case Sizes.ContPmdShift:
                // Contiguous hints are never used at stage 2.
                goto case Sizes.PmdShift;
            case Sizes.PmdShift:
                if (FaultSupportsStage2HugeMapping(slot, hva, Sizes.PmdSize)) return (Sizes.PmdShift, forcePte);
                goto case Sizes.ContPteShift;
            case Sizes.ContPteShift:
                return (Sizes.PageShift, true);
            default:
                return (vmaShift, forcePte);
        }
    }

    private static ulong AlignUp(ulong v, ulong size) => (v + size - 1) & ~(size - 1);
}
