using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Stage2;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Oracle;

/// <summary>
/// Rules on what one guest access sees and how it ends, checked when it ends: the value a load returns, and the exit
/// <c>kvm_handle_guest_abort</c> chose for it.
/// </summary>
public sealed partial class KvmOracle
{
    /// <summary>
    /// Rule <c>lost-write</c> seen by the guest: a load through stage 2 of canonical <paramref name="gpa"/> returns the last
    /// value the guest or the host wrote to the page behind it, as a host read must. A leaf to the wrong or a stale page, or
    /// a host copy (migration, CoW, collapse) that lost the content, is seen here by the first reader, not only at the end
    /// of the run. Device apertures are left out: what a device read returns is the device's business.
    /// </summary>
    public void GuestRead(Ipa gpa, ulong value)
    {
        if (_expected.Count == 0) return;
        var slot = _kvm.Memslots.Find(Gfn.Of(gpa));
        if (slot is null) return;
        var page = slot.IpaToHva(gpa).AlignDown(Sizes.PageSize);
        if (!_expected.TryGetValue(page.Value, out var want) || want == value) return;
        if (_kvm.Mm.FindVma(page) is { } vma && vma.Backing.IsDeviceAperture()) return;
        Report(ViolationKind.LostWrite, $"guest read {value} at {gpa}, last written {want}", page.Value, value);
    }

    /// <summary>
    /// Rule <c>exit-without-cause</c> (invariant 26, <c>kvm_handle_guest_abort</c>, <c>io_mem_abort</c>, the
    /// <c>KVM_EXIT_MMIO</c> / <c>KVM_EXIT_ARM_NISV</c> ABI): every exit a guest abort ends in has its cause in the abort and
    /// the VM. Userspace emulation (<c>mmio</c> with a valid syndrome; <c>nisv</c> or <c>-ENOSYS</c> without one, as the
    /// capability says; never offered to a protected VM) only for a data abort, not a stage-1 walk, on an IPA within the
    /// VM with no usable memslot or a write to a read-only one; <c>skip-cm</c> only for cache maintenance with no usable
    /// memslot; a size fault only for a translation fault beyond the host's IPA limit; an injected data abort only for a
    /// data abort beyond the VM's IPA size, a stage-1 walk outside RAM, or a protected VM's emulation without syndrome; a
    /// prefetch abort only for an instruction abort; an SError only for an SEA; the exclusive/atomic injection only for
    /// its FSC on RAM. Checked as the abort completes, when the memslots are those it looked up.
    /// </summary>
    private void CheckExit(int holder, KvmHandleGuestAbort h)
    {
        if (h.Exit is not { } exit) return;
        var abort = h.Abort;
        var esr = abort.Esr;
        var cfg = _kvm.Config;
        var ipa = abort.FaultIpa.Value;
        var translation = esr.Fsc.IsTranslation();
        var beyondLimit = translation && ipa >= 1UL << cfg.IpaLimit;
        var beyondVm = translation && !beyondLimit && ipa >= cfg.PhysSize;
        // The canonical IPA: the L1 output when the vCPU ran L2 (kvm_walk_nested_s2), else the fault IPA.
        var canonical = h.Desc?.Ipa ?? (h.Vcpu.Nested is { } mmu && Nested.KvmWalkNestedS2.Walk(mmu, abort.FaultIpa).Trans is { } t ? t.Output : abort.FaultIpa);
        var slot = _kvm.Memslots.Find(Gfn.Of(canonical));
        var usable = slot is { Invalid: false };
        var ram = usable && !(esr.IsWriteFault && slot!.ReadOnly);
        var emulated = !beyondLimit && !beyondVm && !ram && !esr.IsIabt && !esr.IsS1Ptw && !(esr.IsCm && !usable);
        var cause = exit.Kind switch
        {
            AccessExitKind.Mmio => emulated && esr.IsIsv,
            AccessExitKind.Nisv => emulated && !esr.IsIsv && cfg.NisvToUser && !cfg.Protected,
            AccessExitKind.Errno when exit.Errno == Errno.ENOSYS => emulated && !esr.IsIsv && !cfg.NisvToUser && !cfg.Protected,
            AccessExitKind.SkipCm => !beyondLimit && !beyondVm && esr.IsCm && !usable && !esr.IsIabt && !esr.IsS1Ptw,
            AccessExitKind.InjectSizeFault => beyondLimit,
            AccessExitKind.InjectDabt => !esr.IsIabt && (beyondVm || (!ram && esr.IsS1Ptw) || (emulated && !esr.IsIsv && cfg.Protected)),
            AccessExitKind.InjectIabt => esr.IsIabt,
            AccessExitKind.InjectSerror => esr.Fsc.IsSea(),
            AccessExitKind.InjectExclAtomic => esr.Fsc.IsExclAtomic() && ram,
            AccessExitKind.Errno when exit.Errno == Errno.EFAULT => EfaultHasCause(h),
            // Invariant 27: KVM_PRE_FAULT_MEMORY (whose ioctl, not the abort, holds SRCU) reports -EHWPOISON, never SIGBUS;
            // gmem_abort never signals (a failed kvm_gmem_get_pfn is a KVM_EXIT_MEMORY_FAULT).
            AccessExitKind.SigbusHwpoison => h.OwnsSrcu && !Gmem(h),
            // kvm_prepare_memory_fault_exit: only gmem_abort, when kvm_gmem_get_pfn fails.
            AccessExitKind.MemoryFault => Gmem(h),
            _ => true,
        };
        if (!cause)
            Report(ViolationKind.ExitWithoutCause,
                $"fault #{holder} at {abort.FaultIpa} ({esr}) ended {exit.Name}, which that abort cannot cause (slot {(slot is null ? "none" : slot.ToString())})",
                ipa, (ulong)exit.Kind + 1);
    }

    /// <summary>The abort went to <c>gmem_abort</c>: its memslot has a guest_memfd (<c>kvm_slot_has_gmem</c>).</summary>
    private static bool Gmem(KvmHandleGuestAbort h) => h.Desc is { Memslot.HasGmem: true };

    /// <summary>
    /// The causes of <c>-EFAULT</c> from <c>KVM_RUN</c> (invariant 26): an FSC <c>kvm_handle_guest_abort</c> does not handle;
    /// no VMA at the HVA or one that forbids the access (<c>__kvm_faultin_pfn</c> fails; a protected VM's pin always writes
    /// and needs a struct page); cacheable PFNMAP memory without <c>kvm_supports_cacheable_pfnmap</c>; a translation fault
    /// in an MTE VM on memory without <c>VM_MTE_ALLOWED</c>, unless it is mapped Device (<c>s2_force_noncacheable</c>).
    /// Read where the fault made the decision: the host now (the pin and its exit are one step) or the VMA facts of its
    /// snapshot. A guest_memfd fault never fails with a plain -EFAULT (<c>gmem_abort</c>: a memory-fault exit).
    /// </summary>
    private bool EfaultHasCause(KvmHandleGuestAbort h)
    {
        var fsc = h.Abort.Esr.Fsc;
        if (!fsc.IsTranslation() && !fsc.IsPermission() && !fsc.IsAccessFlag() && !fsc.IsExclAtomic()) return true;
        if (h.Desc is not { } desc || Gmem(h)) return false; // gmem_abort fails kvm_gmem_get_pfn with a KVM_EXIT_MEMORY_FAULT
        var cfg = _kvm.Config;
        var write = h.Abort.Esr.IsWriteFault || cfg.Protected;
        var vma = _kvm.Mm.FindVma(desc.Hva);
        if (vma is null || (vma.Prot & HostProt.Read) == 0 || (write && (vma.Prot & HostProt.Write) == 0)) return true;
        if (cfg.Protected) return vma.Backing.IsDeviceAperture();
        var snap = h.State.Vma;
        var devicePfn = snap.PfnMap && !PhysicalMemory.IsMapMemory(h.State.Pfn);
        if (devicePfn && snap.IsCacheable && !cfg.SupportsCacheablePfnmap) return true;
        // The MTE re-check is skipped for s2_force_noncacheable (non-cacheable PFNMAP outside the linear map): mapped Device.
        return cfg.Mte && !desc.FaultIsPerm && !(devicePfn && !snap.IsCacheable) && !(snap.MteAllowed && vma.MteAllowed);
    }

    /// <summary>
    /// Rule <c>lock-violation</c> for the fault's own exit: <c>kvm_fault_unlock</c> runs on every path that took
    /// <c>kvm_fault_lock</c>, so a fault never completes holding <c>mmu_lock</c> (and, at rest, nobody holds it).
    /// </summary>
    private void CheckMmuLockLeft(int holder, KvmHandleGuestAbort h)
    {
        if (_kvm.MmuLock.ModeOf(holder) != Locking.LockMode.None)
            Report(ViolationKind.LockViolation, $"fault #{holder} at {h.Abort.FaultIpa} ended holding mmu_lock ({_kvm.MmuLock.ModeOf(holder)})");
    }

    /// <summary>
    /// Rule <c>pin-accounting</c> at rest (<c>pkvm_mem_abort</c>): every long-term pin of guest memory is charged to
    /// <c>mm-&gt;pinned_vm</c> by <c>account_locked_vm</c>, one page each, and every failure path undoes both — so with
    /// nothing in flight the pins held and the pages charged agree. A pin left behind keeps a page from migration for
    /// ever; a charge left behind (or missing) breaks <c>RLIMIT_MEMLOCK</c>.
    /// </summary>
    public void CheckPinsAccounted()
    {
        if (_kvm.Mm.LongTermPins != _kvm.Mm.LockedVm)
            Report(ViolationKind.PinAccounting, $"{_kvm.Mm.LongTermPins} long-term pin(s) held but {_kvm.Mm.LockedVm} page(s) charged to pinned_vm, with nothing in flight");
    }

    /// <summary>
    /// Rule <c>dirty-release-mismatch</c> (invariant 16, <c>kvm_release_faultin_page(kvm, page, !!ret, writable)</c>): a fault
    /// releases its page dirty exactly when it installed or relaxed a writable leaf for it — a page released clean after a
    /// writable map loses the guest's writes at writeback; one released dirty without a writable map is written back
    /// for nothing. Only for a fault in flight (looked up), whose result is known.
    /// </summary>
    private void CheckReleaseDirty(int holder, Folio page, bool dirty)
    {
        if (!_inFlight.TryGetValue(holder, out var h)) return;
        var s = h.State;
        var mappedWritable = s.Ret == Errno.Ok && h.Result is FaultResult.Map or FaultResult.Relax && (s.Mapping.Prot & S2Prot.W) != 0;
        if (dirty == mappedWritable) return;
        Report(ViolationKind.DirtyReleaseMismatch, dirty
            ? $"fault #{holder} at {h.Abort.FaultIpa} released {page} dirty without mapping it writable (ended {h.Result.Name()})"
            : $"fault #{holder} mapped {s.FaultIpa} writable but released {page} clean", s.FaultIpa.Value, dirty ? 1UL : 2UL);
    }

    /// <summary>
    /// Rule <c>srcu-not-released</c> (<c>kvm_handle_guest_abort</c>'s <c>srcu_read_lock</c> / <c>srcu_read_unlock</c> pair):
    /// a fault that entered the SRCU read section leaves it on every exit; a reader left behind blocks every later
    /// <c>synchronize_srcu</c>, so no memslot can change again.
    /// </summary>
    private void CheckSrcuLeft(int holder, KvmHandleGuestAbort h)
    {
        if (h.OwnsSrcu && _kvm.Srcu.Holds(holder))
            Report(ViolationKind.SrcuNotReleased, $"fault #{holder} at {h.Abort.FaultIpa} ended {h.Exit?.Name ?? "re-entering the guest"} still inside the SRCU read section");
    }

    /// <summary>
    /// Rule <c>srcu-not-released</c>, the other half of the pair: a <c>srcu_read_unlock</c> by <paramref name="holder"/> that
    /// is not inside a read section (an exit path that unlocks what it never locked, or unlocks twice).
    /// </summary>
    internal void SrcuUnheldUnlock(int holder) =>
        Report(ViolationKind.SrcuNotReleased, $"#{holder} called srcu_read_unlock outside an SRCU read section (unpaired unlock)", (ulong)holder, 1);

    /// <summary>
    /// Rule <c>lock-violation</c>, sleeping in atomic context: <c>mmu_lock</c> is a spinning rwlock, so nothing that may sleep
    /// (GUP and <c>mmap_lock</c>, a memcache top-up's GFP_KERNEL allocation, <c>slots_lock</c>) runs while holding it;
    /// the fault path tops up and faults the page in before <c>kvm_fault_lock</c>.
    /// </summary>
    internal void SleptHoldingMmuLock(Activity a, string site, LockMode mode) =>
        Report(ViolationKind.LockViolation, $"{a.GetType().Name} #{a.Id} may sleep ({site}) holding mmu_lock ({mode.ToString().ToLowerInvariant()})", (ulong)a.Id, 2);

    /// <summary>
    /// The end of a scripted scenario, every step finished: <see cref="CheckAll"/>, and what holds with nothing in flight
    /// short of the reference count (a scenario states that itself): no SRCU read section or <c>mmu_lock</c> held, every
    /// long-term pin charged.
    /// </summary>
    public void CheckScenarioEnd()
    {
        CheckAll();
        CheckSrcuLeft();
        CheckPinsAccounted();
    }

    /// <summary>Rule <c>srcu-not-released</c> at rest: with nothing in flight, no SRCU read section is open (faults, pre-faults, dirty-log ioctls).</summary>
    public void CheckSrcuLeft()
    {
        if (_kvm.Srcu.ReaderCount != 0)
            Report(ViolationKind.SrcuNotReleased, $"{_kvm.Srcu.ReaderCount} SRCU read section(s) still open with nothing in flight");
        if (!_kvm.MmuLock.IsFree)
            Report(ViolationKind.LockViolation, "mmu_lock still held with nothing in flight");
    }

    private static readonly ulong[] PfnmapBlockSizes = [Sizes.PudSize, Sizes.PmdSize];

    /// <summary>
    /// The largest block a <c>VM_PFNMAP</c> VMA allows at <paramref name="hva"/>, stated by the oracle itself rather than
    /// asked of the fault path (<c>get_vma_page_shift</c>): a PUD or PMD whose aligned window around hva lies inside the VMA
    /// and maps device memory congruent with hva modulo the size. The kernel's own test (<c>ALIGN(hva, size) &lt;= vm_end</c>)
    /// also passes a block-aligned hva whose window runs past the end: such a block is the finding
    /// <see cref="UpstreamFindings.PfnmapBlockPastVmaEnd"/>, recorded when it is mapped.
    /// </summary>
    private static ulong PfnmapMaxBlock(Vma vma, Hva hva)
    {
        var page = hva.AlignDown(Sizes.PageSize);
        var pa = vma.PageIndexOf(page) << Sizes.PageShift;
        foreach (var size in PfnmapBlockSizes)
        {
            var start = hva.AlignDown(size);
            if (start >= vma.Start && start + size <= vma.End && (pa & (size - 1)) == (page.Value & (size - 1))) return size;
        }
        return Sizes.PageSize;
    }
}
