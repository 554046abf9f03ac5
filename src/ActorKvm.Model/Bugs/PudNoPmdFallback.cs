namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 23, <c>pud-no-pmd-fallback</c>: a PUD hugetlb fault that cannot use a PUD block tries a PMD block before falling back to pages.
/// </summary>
/// <remarks>Kernel fix: 523b3999e5f6. Where: kvm_s2_resolve_vma_size switch (Stage2HugeMapping.ResolveVmaShift).</remarks>
public static class PudNoPmdFallback
{
    /// <summary>The switch name.</summary>
    public const string Name = "pud-no-pmd-fallback";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(23, Name, "523b3999e5f6", "P2", "a PUD hugetlb fault that cannot use a PUD block tries a PMD block before falling back to pages",
        Produces: Oracle.ViolationKind.SuboptimalSize);
}
