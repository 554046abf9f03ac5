namespace ActorKvm.Model.Oracle;

/// <summary>
/// Invariant breaks the faithful model shows because the kernel it follows has them today: not a catalogued
/// historical bug (no switch re-introduces them; nothing turns them off), but a hole the oracle found in upstream
/// code. The oracle records them apart from <see cref="KvmOracle.Violations"/> (<see cref="KvmOracle.Findings"/>), so
/// runs and hunts still mean "a switch's doing" when they report a violation, and say what they saw besides.
/// </summary>
public static class UpstreamFindings
{
    /// <summary>
    /// <c>user_mem_abort</c> calls <c>sanitise_mte_tags</c> only when <c>!fault_is_perm</c>, but a permission fault maps
    /// (rather than relaxes) when the size it computes differs from the faulting leaf's granule — after dirty logging
    /// is turned off, a write permission fault on a 4K leaf maps a 2M block (7d894834a305). The block's other pages
    /// may never have been mapped, so never sanitised: the guest sees their stale tags, and a later translation fault
    /// (after any invalidation of the block) sanitises them and wipes the tags the guest stored meanwhile.
    /// </summary>
    public const string MtePermFaultMapUnsanitised = "mte-perm-fault-map-unsanitised";

    /// <summary>
    /// <c>get_vma_page_shift</c> accepts a PFNMAP block when <c>ALIGN_DOWN(hva, size) &gt;= vm_start &amp;&amp; ALIGN(hva,
    /// size) &lt;= vm_end</c>. <c>ALIGN</c> rounds up, so for a block-aligned hva the second test is only <c>hva &lt;=
    /// vm_end</c>: a fault at the start of a block maps the whole block even when the VMA ends inside it (the VMM
    /// unmapped a page of a device BAR — a hole, or another mapping there). The block maps the old device pages beyond
    /// the VMA; the guest reaches memory the host no longer maps at those addresses.
    /// </summary>
    public const string PfnmapBlockPastVmaEnd = "pfnmap-block-past-vma-end";

    /// <summary>
    /// <c>user_mem_abort</c> tops the vCPU memcache up only for a translation fault or a write fault under dirty logging
    /// ("permission faults just need to update the existing leaf entry"). An instruction permission fault on a
    /// write-protected block of a logging slot is neither, yet logging forces <c>PAGE_SIZE</c>, which differs from the
    /// block's granule, so it maps instead of relaxing, and <c>stage2_map_walk_leaf</c> needs a new table page. On a vCPU
    /// whose cache is empty (it never took a translation fault, or earlier maps drained it),
    /// <c>kvm_mmu_memory_cache_alloc</c> hits <c>WARN_ON(!mc-&gt;nobjs)</c> and allocates <c>GFP_ATOMIC</c> under
    /// <c>mmu_lock</c>, with <c>BUG_ON(!p)</c> should that fail.
    /// </summary>
    public const string PermFaultMapEmptyMemcache = "perm-fault-map-empty-memcache";

    /// <summary>Every finding id with a one-line explanation.</summary>
    public static IReadOnlyDictionary<string, string> All { get; } = new Dictionary<string, string>
    {
        [MtePermFaultMapUnsanitised] =
            "sanitise_mte_tags is skipped on every permission fault (!fault_is_perm), yet a permission fault maps a larger block " +
            "than the leaf that faulted (a 2M block after dirty logging stops); the block's never-mapped pages become guest-visible " +
            "with uninitialised tags, and a later translation fault sanitises them and wipes tags the guest stored",
        [PermFaultMapEmptyMemcache] =
            "user_mem_abort skips the memcache top-up on every permission fault but a logging write fault, yet an exec permission " +
            "fault on a write-protected block under dirty logging maps at PAGE_SIZE and needs a table page: on a vCPU with an empty " +
            "cache kvm_mmu_memory_cache_alloc hits WARN_ON(!mc->nobjs) and allocates GFP_ATOMIC under mmu_lock (BUG_ON if that fails)",
        [PfnmapBlockPastVmaEnd] =
            "get_vma_page_shift tests ALIGN(hva, size) <= vm_end, which rounds a block-aligned hva to itself: a fault at the start " +
            "of a block maps the whole PFNMAP block though the VMA ends inside it, so the guest reaches device pages the host unmapped",
    };
}
