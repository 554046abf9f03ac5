using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
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
    public static (int Shift, bool ForcePte) ResolveVmaShift(Memslot slot, Hva hva, int vmaShift, bool forcePte) =>
        ResolveVmaShift(slot, hva, vmaShift, forcePte, hugetlb: false, BugSet.None);

    /// <summary>
    /// <see cref="ResolveVmaShift(Memslot, Hva, int, bool)"/> as the fault path runs it, where bug switches may put
    /// back the ladder's historical defects (entries 9, 10, 22, 23 of the catalog).
    /// </summary>
    public static (int Shift, bool ForcePte) ResolveVmaShift(Memslot slot, Hva hva, int vmaShift, bool forcePte, bool hugetlb, BugSet bugs)
    {
        switch (vmaShift)
        {
            case Sizes.PudShift:
                if (Supports(slot, hva, Sizes.PudSize, hugetlb, bugs)) return (Sizes.PudShift, forcePte);
                // a80868f39855: a refused block resets the size; before it only force_pte was set.
                if (bugs.IsOn(ForcePteIgnoredForHugetlb.Name)) return (vmaShift, true);
                // 523b3999e5f6: a refused PUD block tries PMD before pages.
                if (bugs.IsOn(PudNoPmdFallback.Name)) goto case Sizes.ContPteShift;
                goto case Sizes.ContPmdShift;
            case Sizes.ContPmdShift:
                // 2f40c46021bb: contiguous hints are never used at stage 2; CONT_PMD falls back to PMD.
                if (vmaShift == Sizes.ContPmdShift && bugs.IsOn(ContHugetlbSizeUnsupported.Name)) return (vmaShift, forcePte);
                goto case Sizes.PmdShift;
            case Sizes.PmdShift:
                if (Supports(slot, hva, Sizes.PmdSize, hugetlb, bugs)) return (Sizes.PmdShift, forcePte);
                if (vmaShift == Sizes.PmdShift && bugs.IsOn(ForcePteIgnoredForHugetlb.Name)) return (vmaShift, true);
                goto case Sizes.ContPteShift;
            case Sizes.ContPteShift:
                // 2f40c46021bb: CONT_PTE falls back to PAGE_SIZE with force_pte.
                if (vmaShift == Sizes.ContPteShift && bugs.IsOn(ContHugetlbSizeUnsupported.Name)) return (vmaShift, forcePte);
                return (Sizes.PageShift, true);
            default:
                return (vmaShift, forcePte);
        }
    }

    /// <summary>The block check of the ladder; before 6794ad5443a2 hugetlb blocks were not checked at all.</summary>
    private static bool Supports(Memslot slot, Hva hva, ulong size, bool hugetlb, BugSet bugs) =>
        bugs.IsOn(HugeMapIgnoresMemslotBounds.Name)
            ? HugeMapIgnoresMemslotBounds.PreFixSupportsHugeMapping(slot, size, hugetlb)
            : FaultSupportsStage2HugeMapping(slot, hva, size);

    private static ulong AlignUp(ulong v, ulong size) => (v + size - 1) & ~(size - 1);
}
