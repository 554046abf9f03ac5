namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 21, <c>cont-hugetlb-treated-as-thp</c>: only transparent huge pages are candidates for THP adjustment; a CONT_PTE hugetlb page is mapped at PAGE_SIZE.
/// </summary>
/// <remarks>Kernel fix: fd2ef358282c. Where: transparent_hugepage_adjust eligibility.</remarks>
public static class ContHugetlbTreatedAsThp
{
    /// <summary>The switch name.</summary>
    public const string Name = "cont-hugetlb-treated-as-thp";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(21, Name, "fd2ef358282c", "I4", "only transparent huge pages are candidates for THP adjustment; a CONT_PTE hugetlb page is mapped at PAGE_SIZE",
        NotModelled: "the THP eligibility test it restores is unreachable in today's fault path: a CONT_PTE (64K) hugetlb fault gets force_pte from 2f40c46021bb, which skips transparent_hugepage_adjust; and the adjustment itself now asks the host page table for the mapping size (get_user_mapping_size), which for a CONT_PTE page is a PTE, so it would map PAGE_SIZE even without force_pte; showing the bug needs undoing those later changes as well (other rules), not this one");
}
