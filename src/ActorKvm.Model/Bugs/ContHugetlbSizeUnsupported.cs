namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 22, <c>cont-hugetlb-size-unsupported</c>: CONT_PMD/CONT_PTE hugetlb sizes fall back to PMD_SIZE/PAGE_SIZE (with force_pte); they are never stage-2 mapping sizes.
/// </summary>
/// <remarks>Kernel fix: 2f40c46021bb. Where: kvm_s2_resolve_vma_size switch (Stage2HugeMapping.ResolveVmaShift).</remarks>
public static class ContHugetlbSizeUnsupported
{
    /// <summary>The switch name.</summary>
    public const string Name = "cont-hugetlb-size-unsupported";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(22, Name, "2f40c46021bb", "P1, I4", "CONT_PMD/CONT_PTE hugetlb sizes fall back to PMD_SIZE/PAGE_SIZE (with force_pte); they are never stage-2 mapping sizes",
        Produces: Oracle.ViolationKind.UnsupportedMapSize);
}
