namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 9, <c>huge-map-ignores-memslot-bounds</c>: a block of size S needs IPA/HVA congruent modulo S and the S-aligned block inside the memslot (fault_supports_stage2_huge_mapping), for hugetlb as well as THP.
/// </summary>
/// <remarks>Kernel fix: 6794ad5443a2. Where: kvm_s2_resolve_vma_size / fault_supports_stage2_huge_mapping (UserMemAbort.GetVmaInfo).</remarks>
public static class HugeMapIgnoresMemslotBounds
{
    /// <summary>The switch name.</summary>
    public const string Name = "huge-map-ignores-memslot-bounds";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(9, Name, "6794ad5443a2", "I4", "a block of size S needs IPA/HVA congruent modulo S and the S-aligned block inside the memslot (fault_supports_stage2_huge_mapping), for hugetlb as well as THP",
        Produces: Oracle.ViolationKind.OutsideMemslot);

    /// <summary>
    /// The block check before the fix (<c>user_mem_abort</c>, 2018): hugetlb blocks were not checked at all; THP
    /// only required the memslot's IPA and HVA to be congruent modulo the block size, not the block to lie inside
    /// the slot.
    /// </summary>
    public static bool PreFixSupportsHugeMapping(Memslots.Memslot slot, ulong mapSize, bool hugetlb) =>
        hugetlb || (slot.Gpa.Value & (mapSize - 1)) == (slot.UserspaceAddr.Value & (mapSize - 1));
}
