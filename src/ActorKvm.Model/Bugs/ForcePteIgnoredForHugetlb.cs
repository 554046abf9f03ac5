namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 10, <c>force-pte-ignored-for-hugetlb</c>: when a block is refused (logging, memslot check) the mapping size itself becomes PAGE_SIZE, not just a force_pte flag.
/// </summary>
/// <remarks>Kernel fix: a80868f39855. Where: kvm_s2_resolve_vma_size (UserMemAbort.GetVmaInfo).</remarks>
public static class ForcePteIgnoredForHugetlb
{
    /// <summary>The switch name.</summary>
    public const string Name = "force-pte-ignored-for-hugetlb";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(10, Name, "a80868f39855", "I3, I4", "when a block is refused (logging, memslot check) the mapping size itself becomes PAGE_SIZE, not just a force_pte flag",
        Produces: Oracle.ViolationKind.BlockWhileLogging);
}
