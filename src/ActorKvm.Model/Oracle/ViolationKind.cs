namespace ActorKvm.Model.Oracle;

/// <summary>The oracle's typed violations; scenario names in brackets (a contract: add, never rename).</summary>
public enum ViolationKind
{
    /// <summary>[stale-mapping] a leaf maps a pfn the host no longer maps at that HVA, with no invalidation of it in progress.</summary>
    StaleMapping,
    /// <summary>[lost-write] the host reads a value other than the guest's last write to that page.</summary>
    LostWrite,
    /// <summary>[page-ref-leak] a fault ended holding a page reference.</summary>
    PageRefLeak,
    /// <summary>[page-ref-underflow] a page reference was dropped twice.</summary>
    PageRefUnderflow,
    /// <summary>[block-while-logging] a writable block leaf in a logging slot after logging was enabled.</summary>
    BlockWhileLogging,
    /// <summary>[writable-not-dirty] a writable leaf in a logging slot whose page is neither dirty nor harvested since.</summary>
    WritableNotDirty,
    /// <summary>[writable-readonly-slot] a writable leaf in a read-only slot, or from a read fault while logging.</summary>
    WritableReadonlySlot,
    /// <summary>[outside-memslot] a leaf maps IPA outside its memslot, or a block crosses the slot's bounds.</summary>
    OutsideMemslot,
    /// <summary>[misaligned-block] a block whose IPA, HVA or pfn is not aligned to its size, or whose offsets differ.</summary>
    MisalignedBlock,
    /// <summary>[oversized-block] a block larger than the backing allows.</summary>
    OversizedBlock,
    /// <summary>[wrong-memtype] memtype or X not allowed by the backing.</summary>
    WrongMemtype,
    /// <summary>[lock-violation] stage-2 or notifier state changed without the lock mode the kernel requires, or something that may sleep ran holding <c>mmu_lock</c>.</summary>
    LockViolation,
    /// <summary>[uninitialised-memcache] a map allocated from a memcache that was never set up.</summary>
    UninitialisedMemcache,
    /// <summary>[untagged-mte-page] a page mapped into an MTE guest before its tags were sanitised, or an <c>mte_sync_tags</c> that returned (its <c>PROT_MTE</c> PTE about to be set) before the tags of its page were initialised.</summary>
    UntaggedMtePage,
    /// <summary>[nested-permission] a shadow leaf allows more than the L1 stage-2 does.</summary>
    NestedPermission,
    /// <summary>[suboptimal-size] a mapping smaller than the rules allow.</summary>
    SuboptimalSize,
    /// <summary>[deadlock] steps wait on each other.</summary>
    Deadlock,
    /// <summary>[writable-host-readonly] a writable leaf over a page the host maps read-only (write permission only where the host mapping is writable).</summary>
    WritableHostReadonly,
    /// <summary>[released-page-touched] a fault updated page state (accessed/dirty) of a page that was freed after it dropped <c>mmu_lock</c>.</summary>
    ReleasedPageTouched,
    /// <summary>[dirty-without-map] a fault marked its gfn dirty although no writable leaf was installed or relaxed for it.</summary>
    DirtyWithoutMap,
    /// <summary>[wrong-sigbus-lsb] the SIGBUS of a poisoned page reports a shift other than the one of the mapping attempted.</summary>
    WrongSigbusLsb,
    /// <summary>[unsupported-map-size] a fault asked stage 2 for a leaf size that is not a stage-2 block or page size.</summary>
    UnsupportedMapSize,
    /// <summary>[no-progress] the same access faulted again and again with nothing changing (livelock).</summary>
    NoProgress,
    /// <summary>[leaked-table-page] a stage-2 table page is neither reachable from the page table nor freed.</summary>
    LeakedTablePage,
    /// <summary>[freed-host-table-read] a walk of the host page table read a table page that had been freed.</summary>
    FreedHostTableRead,
    /// <summary>[freed-vma-use] a fault dereferenced a VMA after <c>mmap_read_unlock</c> that had been unmapped meanwhile.</summary>
    FreedVmaUse,
    /// <summary>[mte-tags-lost] an MTE tag initialiser cleared tags the guest had already stored in a page.</summary>
    MteTagsLost,
    /// <summary>[leaf-in-invalidated-range] a stage-2 leaf (any memory type) intersects an HVA range whose invalidation has unmapped it and not ended.</summary>
    LeafInInvalidatedRange,
    /// <summary>[writable-after-wrprotect] a write-protect (logging enable, dirty-log get/clear) left a writable leaf over a page it had to protect.</summary>
    WritableAfterWrprotect,
    /// <summary>[exec-without-exec-fault] a fault made a Normal leaf executable without <c>ARM64_HAS_CACHE_DIC</c> although it was no exec fault.</summary>
    ExecWithoutExecFault,
    /// <summary>[icache-not-invalidated] a Normal leaf became executable (no <c>CACHE_DIC</c>) over a page whose I-cache was never invalidated.</summary>
    IcacheNotInvalidated,
    /// <summary>[prefault-range-unmapped] a completed <c>KVM_PRE_FAULT_MEMORY</c> left a page of its processed range unmapped with no retry or invalidation to explain it.</summary>
    PrefaultRangeUnmapped,
    /// <summary>[block-after-eager-split] a completed eager split left a block leaf in the range it split, or a 2M block inside a 1G block its cache could rebuild down to pages.</summary>
    BlockAfterEagerSplit,
    /// <summary>[map-during-invalidation] a fault installed or relaxed a leaf while an invalidation was in progress or after <c>mmu_invalidate_seq</c> moved past its snapshot.</summary>
    MapDuringInvalidation,
    /// <summary>[unreadable-leaf] a canonical stage-2 leaf without read permission.</summary>
    UnreadableLeaf,
    /// <summary>[dirty-page-not-harvested] a page the guest wrote while its slot logged was left out of a dirty-log harvest that covered it, with no fault about to mark it: live migration would not copy it again.</summary>
    DirtyPageNotHarvested,
    /// <summary>[split-changed-mapping] a stage-2 split (eager split) left a page of a block unmapped or mapped to another pfn, with other permissions or another memory type.</summary>
    SplitChangedMapping,
    /// <summary>[memslot-ioctl-mismatch] a memslot update returned another errno than <c>kvm_set_memory_region</c>'s checks give, or published other slots than the request asks for.</summary>
    MemslotIoctlMismatch,
    /// <summary>[dirty-log-mismatch] a <c>KVM_GET_DIRTY_LOG</c> / <c>KVM_CLEAR_DIRTY_LOG</c> returned another errno than its checks give, or reported other pages than those whose dirty bits were set.</summary>
    DirtyLogMismatch,
    /// <summary>[host-result-mismatch] a VMM load, store or mmap returned another result than its VMAs give, or an mmap mapped another range.</summary>
    HostResultMismatch,
    /// <summary>[exit-without-cause] a guest abort ended in an exit (MMIO, NISV, -ENOSYS, an injection, skip-cm, a memory-fault exit) its syndrome, IPA and memslot cannot cause.</summary>
    ExitWithoutCause,
    /// <summary>[dirty-release-mismatch] a fault released its page dirty without mapping it writable, or clean after mapping it writable.</summary>
    DirtyReleaseMismatch,
    /// <summary>[srcu-not-released] a fault (or, at rest, anyone) left the SRCU read section open, or unlocked one it was not in.</summary>
    SrcuNotReleased,
    /// <summary>[pin-accounting] with nothing in flight, the long-term pins of guest memory and the pages charged to <c>pinned_vm</c> differ.</summary>
    PinAccounting,
    /// <summary>[split-cache-overrun] one eager-split walk took more table pages than <c>kvm_mmu_split_nr_page_tables(chunk)</c>, the split cache's capacity in the kernel, or started with fewer.</summary>
    SplitCacheOverrun,
    /// <summary>[invalidation-not-ended] with nothing in flight, an MMU-notifier invalidation is still open (<c>mn_active_invalidate_count</c> or <c>mmu_invalidate_in_progress</c> not 0).</summary>
    InvalidationNotEnded,
    /// <summary>[stage2-map-mismatch] a fault-path stage-2 map, relax or mkyoung returned 0 but the leaves over its range are not what it asked for (pages, output, permissions, memory type, software bits, leaf size, access flag).</summary>
    Stage2MapMismatch,
    /// <summary>[prefault-result-mismatch] a <c>KVM_PRE_FAULT_MEMORY</c> returned another result, or advanced over another range, than <c>kvm_vcpu_pre_fault_memory</c>'s checks and its faults' returns give.</summary>
    PrefaultResultMismatch,
    /// <summary>[nested-level-hint] a shadow stage-2 leaf's level hint (<c>KVM_NV_GUEST_MAP_SZ</c>) is not the level of the L1 stage-2 leaf it was built from.</summary>
    NestedLevelHint,
    /// <summary>[abort-syndrome-mismatch] a guest access's abort carries another syndrome (EC, WnR, CM, ISV, FSC type or level) than its kind and the stage-2 walk at that moment give, or an access completed where the walk aborts, left its leaf old, or read a tag outside an MTE VM's Normal memory.</summary>
    AbortSyndromeMismatch,
    /// <summary>[table-page-accounting] a stage-2 walk took another number of pages from its memory cache than the table pages it linked, freed a table page without accounting it, failed with -ENOMEM with pages left in its cache, or left an empty table linked in a range it unmapped; or a cache's count is not what was allocated into it less what it handed out, or a table's live count is not its valid entries.</summary>
    TablePageAccounting,
}

/// <summary>Scenario names of violations.</summary>
public static class ViolationNames
{
    private static readonly string[] Names =
    [
        "stale-mapping", "lost-write", "page-ref-leak", "page-ref-underflow", "block-while-logging", "writable-not-dirty",
        "writable-readonly-slot", "outside-memslot", "misaligned-block", "oversized-block", "wrong-memtype", "lock-violation",
        "uninitialised-memcache", "untagged-mte-page", "nested-permission", "suboptimal-size", "deadlock", "writable-host-readonly",
        "released-page-touched", "dirty-without-map", "wrong-sigbus-lsb", "unsupported-map-size", "no-progress",
        "leaked-table-page", "freed-host-table-read", "freed-vma-use", "mte-tags-lost", "leaf-in-invalidated-range",
        "writable-after-wrprotect", "exec-without-exec-fault", "icache-not-invalidated", "prefault-range-unmapped",
        "block-after-eager-split", "map-during-invalidation", "unreadable-leaf", "dirty-page-not-harvested",
        "split-changed-mapping", "memslot-ioctl-mismatch", "dirty-log-mismatch",
        "host-result-mismatch", "exit-without-cause", "dirty-release-mismatch", "srcu-not-released",
        "pin-accounting", "split-cache-overrun", "invalidation-not-ended", "stage2-map-mismatch", "prefault-result-mismatch",
        "nested-level-hint", "abort-syndrome-mismatch", "table-page-accounting",
    ];

    /// <summary>The scenario name.</summary>
    public static string Name(this ViolationKind k) => Names[(int)k];

    /// <summary>Parses a scenario name; null if unknown.</summary>
    public static ViolationKind? Parse(string name)
    {
        var i = Array.IndexOf(Names, name);
        return i < 0 ? null : (ViolationKind)i;
    }

    /// <summary>All names.</summary>
    public static IReadOnlyList<string> All => Names;
}
