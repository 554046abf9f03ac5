namespace ActorKvm.Model.Host;

/// <summary>Host-MM operations that invalidate (scenario ops of the same names).</summary>
public enum HostOp
{
    /// <summary><c>munmap</c>.</summary>
    Munmap,
    /// <summary><c>mprotect</c>.</summary>
    Mprotect,
    /// <summary><c>madvise(MADV_DONTNEED)</c>.</summary>
    MadviseDontneed,
    /// <summary>Reclaim to swap (or writeback and drop for page cache).</summary>
    SwapOut,
    /// <summary><c>migrate_pages</c> of the folio holding hva.</summary>
    Migrate,
    /// <summary><c>split_huge_pmd</c>.</summary>
    ThpSplit,
    /// <summary><c>split_huge_page</c>.</summary>
    ThpSplitFolio,
    /// <summary>khugepaged collapse of the aligned 2M range.</summary>
    ThpCollapse,
    /// <summary><c>memory_failure</c>.</summary>
    Poison,
}
