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
    /// <summary>
    /// <c>mmap(MAP_FIXED)</c> over a mapped range (how a VMM replaces guest memory in place, e.g. QEMU's
    /// <c>qemu_ram_remap</c>): <c>mmap_region</c> unmaps what is there (one invalidation) and maps the new VMA, all under
    /// one <c>mmap_write_lock</c>, so no fault looks a VMA up in between.
    /// </summary>
    MmapFixed,
}
