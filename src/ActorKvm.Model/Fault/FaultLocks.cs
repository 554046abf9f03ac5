using ActorKvm.Model.Locking;

namespace ActorKvm.Model.Fault;

/// <summary>
/// The kernel locks of each fault phase (<see cref="FaultPhase"/>), declared once for every activity that runs the
/// fault path (<see cref="GuestAccess"/>, <see cref="PreFaultMemory"/>'s synthetic fault).
/// </summary>
public static class FaultLocks
{
    private const KernelLocks Mmu = KernelLocks.MmuRead | KernelLocks.MmuWrite; // read, or write under pKVM

    /// <summary>The locks of the fault phase that ends with <paramref name="phase"/> (null: an access that ends without one).</summary>
    public static KernelLocks Of(string? phase) => phase switch
    {
        // The guest's own access: its vCPU's state and the memory it reads or writes, no kernel lock.
        null => KernelLocks.VcpuLocal,
        "classify" => KernelLocks.VcpuLocal,
        "memslot-lookup" => KernelLocks.SrcuRead,
        "vma-snapshot" => KernelLocks.SrcuRead | KernelLocks.MmapRead,
        // __kvm_faultin_pfn: GUP under mmap_lock; a copy-on-write break's invalidation takes mmu_lock for write.
        "pfn-faultin" => KernelLocks.SrcuRead | KernelLocks.MmapRead | KernelLocks.MmuWrite,
        "prot-computed" => KernelLocks.VcpuLocal,
        "mmu-lock" or "retry-check" or "thp-adjust" => Mmu,
        // sanitise_mte_tags: PG_mte_lock under mmu_lock.
        "map" => Mmu | KernelLocks.PageLock,
        // out_unlock / out_put_page, and an abort that ends early (no VMA, a failed pin, an error after the memslot lookup)
        // ends here in the same step as the phase that took those.
        "complete" => KernelLocks.SrcuRead | KernelLocks.MmapRead | Mmu | KernelLocks.PageLock,
        _ => KernelLocks.None, // not a fault phase: the checker reports whatever it took
    };
}
