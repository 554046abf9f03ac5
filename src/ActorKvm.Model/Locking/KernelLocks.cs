namespace ActorKvm.Model.Locking;

/// <summary>
/// The kernel locks a phase may take, as it declares them (<see cref="Vm.Activity.Declares"/>) and as the
/// <see cref="PhaseLockChecker"/> sees it take them. Two phases whose sets do not <see cref="KernelLockSets.Conflict"/>
/// could run at the same time.
/// </summary>
[Flags]
public enum KernelLocks : ushort
{
    /// <summary>Nothing.</summary>
    None = 0,
    /// <summary>Only its own vCPU's state (the ESR, its own fault state): commutes with everything.</summary>
    VcpuLocal = 1,
    /// <summary><c>srcu_read_lock(&amp;kvm-&gt;srcu)</c>: the memslots it reads stay until it unlocks.</summary>
    SrcuRead = 2,
    /// <summary><c>mmap_read_lock</c>: the VMA it looks up.</summary>
    MmapRead = 4,
    /// <summary><c>mmap_write_lock</c>: a change of the host's VMAs or page tables (covers the read side).</summary>
    MmapWrite = 8,
    /// <summary><c>read_lock(&amp;kvm-&gt;mmu_lock)</c>.</summary>
    MmuRead = 16,
    /// <summary><c>write_lock(&amp;kvm-&gt;mmu_lock)</c> (covers the read side).</summary>
    MmuWrite = 32,
    /// <summary>A page or folio lock: PG_mte_lock (<c>try_page_mte_tagging</c>).</summary>
    PageLock = 64,
    /// <summary><c>kvm-&gt;slots_lock</c> (memslot updates, the dirty log).</summary>
    SlotsLock = 128,
}

/// <summary>What the lock sets mean together.</summary>
public static class KernelLockSets
{
    /// <summary>The set with what each write side covers added (a write holder may do what a read holder may).</summary>
    public static KernelLocks Implied(this KernelLocks l) =>
        l | ((l & KernelLocks.MmuWrite) != 0 ? KernelLocks.MmuRead : 0) | ((l & KernelLocks.MmapWrite) != 0 ? KernelLocks.MmapRead : 0);

    /// <summary>
    /// True when phases declaring <paramref name="a"/> and <paramref name="b"/> cannot run at the same time: a write side
    /// against either side of the same lock, or the same exclusive lock (slots_lock, a page lock — per lock object, here
    /// conservatively one). SRCU readers never exclude each other (their writer waits, a <c>WaitFor.Srcu</c>).
    /// </summary>
    public static bool Conflict(KernelLocks a, KernelLocks b)
    {
        static bool Excludes(KernelLocks x, KernelLocks y, KernelLocks write, KernelLocks read) =>
            (x & write) != 0 && (y & (write | read)) != 0;
        return Excludes(a, b, KernelLocks.MmuWrite, KernelLocks.MmuRead) || Excludes(b, a, KernelLocks.MmuWrite, KernelLocks.MmuRead)
            || Excludes(a, b, KernelLocks.MmapWrite, KernelLocks.MmapRead) || Excludes(b, a, KernelLocks.MmapWrite, KernelLocks.MmapRead)
            || (a & b & (KernelLocks.SlotsLock | KernelLocks.PageLock)) != 0;
    }
}
