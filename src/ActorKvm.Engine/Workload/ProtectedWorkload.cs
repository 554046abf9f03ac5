namespace ActorKvm.Engine.Workload;

/// <summary>
/// <c>run --protected</c>: what the workload does differently on a protected VM (<c>pkvm_mem_abort</c>, seed 002). The
/// guest's faults pin each page long-term and donate it at PAGE_SIZE; the host keeps migrating, splitting and collapsing
/// the guest's memory, and the pinned pages refuse with -EBUSY as the kernel's do (<c>migrate_pages</c>' refcount
/// freeze, <c>can_split_folio</c>, <c>hpage_collapse_scan_pmd</c>): counted results, never violations. Pins stay until
/// the VM is destroyed (the final check does not count them as leaked fault references: invariant 17).
/// </summary>
public static class ProtectedWorkload
{
    /// <summary>What the summary says a protected run leaves out, and why.</summary>
    public const string Note =
        "protected VM: no dirty logging and no slot moves (pKVM refuses KVM_MEM_LOG_DIRTY_PAGES and moving a slot of a protected VM that has run); "
        + "no MADV_DONTNEED, swap-out, munmap+mmap or memory_failure (the host would drop its view of pages donated to the guest: the guest keeps them, "
        + "so the host's read-back would not be the guest's memory), no aging (protected guests take translation faults only) — migrate, split and collapse run instead";

    /// <summary>
    /// The host operation a protected run makes of the driver's pick <paramref name="pick"/> (its <c>IssueHostOp</c>
    /// numbering: 0 migrate, 1 PMD split, 2 collapse, 3 MADV_DONTNEED, 4 swap-out, 5 folio split, 6 and 9 aging, 7 munmap+mmap,
    /// 8 memory_failure or migrate): the ones that would take a donated page from the host's view become migrate, folio
    /// split or collapse, which the long-term pin refuses. Aging becomes a PMD split: clear_young is an MMU-notifier
    /// callback, and a protected guest must only ever take translation faults (the pKVM mkyoung path warns on an
    /// access-flag fault, seed 002), so the host never makes a donated page old. The pick is still drawn.
    /// </summary>
    public static int HostOp(int pick) => pick switch
    {
        3 => 0,
        4 => 5,
        6 or 9 => 1,
        7 => 2,
        8 => 0,
        _ => pick,
    };
}
