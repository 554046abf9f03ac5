namespace ActorKvm.Model.Fault;

/// <summary>
/// Phase boundaries of one vCPU handling one abort; each name is the phase just completed
/// (scenario <c>pause-at</c> names in brackets). Every boundary is an interleaving point.
/// </summary>
public enum FaultPhase
{
    /// <summary>[classify] <c>kvm_handle_guest_abort</c> decoded the ESR.</summary>
    Classify,
    /// <summary>[memslot-lookup] <c>gfn_to_memslot</c> and the HVA resolved under SRCU.</summary>
    MemslotLookup,
    /// <summary>[vma-snapshot] <c>kvm_s2_fault_get_vma_info</c>: VMA facts, page shift, <c>mmu_invalidate_seq</c>, <c>mmap_read_unlock</c>.</summary>
    VmaSnapshot,
    /// <summary>[pfn-faultin] <c>__kvm_faultin_pfn</c> returned.</summary>
    PfnFaultin,
    /// <summary>[prot-computed] <c>kvm_s2_fault_compute_prot</c> done.</summary>
    ProtComputed,
    /// <summary>[mmu-lock] <c>kvm_fault_lock</c> taken.</summary>
    MmuLock,
    /// <summary>[retry-check] <c>mmu_invalidate_retry</c> passed.</summary>
    RetryCheck,
    /// <summary>[thp-adjust] block size decided.</summary>
    ThpAdjust,
    /// <summary>[map] map / relax / mkyoung done, lock still held.</summary>
    Map,
    /// <summary>[complete] lock dropped, page released, dirty marked.</summary>
    Complete,
}

/// <summary>Phase boundaries of a host-MM operation that invalidates.</summary>
public enum HostOpPhase
{
    /// <summary>[range-start] <c>kvm_mmu_notifier_invalidate_range_start</c>.</summary>
    RangeStart,
    /// <summary>[host-change] the host page table / folio changed.</summary>
    HostChange,
    /// <summary>[range-end] <c>kvm_mmu_notifier_invalidate_range_end</c>.</summary>
    RangeEnd,
}

/// <summary>Phase boundaries of memslot operations and dirty-log flag flips.</summary>
public enum MemslotOpPhase
{
    /// <summary>[slot-invalidated] the old slot is marked invalid; new faults miss it.</summary>
    SlotInvalidated,
    /// <summary>[flushed] <c>kvm_arch_flush_shadow_memslot</c> done.</summary>
    Flushed,
    /// <summary>[installed] the new memslot set is visible.</summary>
    Installed,
    /// <summary>[flags-committed] the new flags are published.</summary>
    FlagsCommitted,
    /// <summary>[write-protected] logging enable write-protected the slot.</summary>
    WriteProtected,
    /// <summary>[split] eager split done.</summary>
    Split,
}

/// <summary>Scenario names of every phase, in one place.</summary>
public static class PhaseNames
{
    /// <summary>Fault phase names in order.</summary>
    public static readonly string[] Fault =
        ["classify", "memslot-lookup", "vma-snapshot", "pfn-faultin", "prot-computed", "mmu-lock", "retry-check", "thp-adjust", "map", "complete"];

    /// <summary>Host-operation phase names in order.</summary>
    public static readonly string[] HostOp = ["range-start", "host-change", "range-end"];

    /// <summary>Memslot and dirty-log phase names.</summary>
    public static readonly string[] MemslotOp = ["slot-invalidated", "flushed", "installed", "flags-committed", "write-protected", "split"];

    /// <summary>Phase names of <c>mte-sync-tags</c> (a second MTE tag initialiser): the claim of the page.</summary>
    public static readonly string[] MteSync = ["mte-claim"];

    /// <summary>The scenario name of a fault phase.</summary>
    public static string Name(this FaultPhase p) => Fault[(int)p];

    /// <summary>The scenario name of a host phase.</summary>
    public static string Name(this HostOpPhase p) => HostOp[(int)p];

    /// <summary>The scenario name of a memslot phase.</summary>
    public static string Name(this MemslotOpPhase p) => MemslotOp[(int)p];
}
