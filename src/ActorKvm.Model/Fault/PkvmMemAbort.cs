using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Fault;

/// <summary>
/// <c>pkvm_mem_abort</c> (arch/arm64/kvm/mmu.c, "[PATCH v2 14/35] KVM: arm64: Handle aborts from protected VMs", seed 002):
/// protected guests only take translation faults at page level. The page is pinned long-term and accounted as locked
/// memory, then donated at PAGE_SIZE under the write <c>mmu_lock</c>. There is no <c>mmu_invalidate_seq</c> snapshot and no
/// retry check: protected memory is deliberately outside the MMU notifier (the host must not touch a protected
/// stage 2), the pin is what keeps the page. Phases: <c>pfn-faultin</c>, <c>mmu-lock</c>, <c>map</c>, <c>complete</c>.
/// </summary>
public sealed class PkvmMemAbort : AbortHandler
{
    private static readonly FaultPhase[] PhaseList = [FaultPhase.PfnFaultin, FaultPhase.MmuLock, FaultPhase.Map, FaultPhase.Complete];

    private bool _prepared;

    internal PkvmMemAbort(KvmHandleGuestAbort abort) : base(abort, PhaseList) { }

    /// <inheritdoc/>
    internal override void Start()
    {
        base.Start();
        _prepared = false;
    }

    /// <inheritdoc/>
    internal override StepResult Step()
    {
        switch (Next)
        {
            case FaultPhase.PfnFaultin:
                return PinUserPages();
            case FaultPhase.MmuLock:
                // The write side, and no retry check: protected memory is outside the MMU notifier, the pin keeps the page.
                if (KvmFaultLock(Locking.LockMode.Write) is { } wait) return wait;
                F.Mapping = new KvmS2FaultMapping(Sizes.PageSize, F.Prot, F.Writable);
                return Reached();
            case FaultPhase.Map:
                MarkPageDirtyBeforeMapPreFix(F.Mapping.Writable);
                G.Result = Map(F, Kvm, Holder);
                if (G.Result == FaultResult.Map) Kvm.Oracle.FaultMapped(Holder, Abort, S2fd, F);
                return Reached();
            default:
                return OutUnlock(F.Mapping.Writable);
        }
    }

    /// <summary>Up to <c>pin_user_pages</c>: memcache, locked-page accounting (once, also across a copy-on-write wait), the long-term pin.</summary>
    private StepResult PinUserPages()
    {
        if (!_prepared)
        {
            var ret = Prepare(F, G.Vcpu, Kvm.Mm, S2fd, Kvm.Pgt.MinCachePages);
            if (ret != Errno.Ok) return OutPutPage(ret);
            _prepared = true;
        }
        var hva = S2fd.Memslot.GfnToHva(F.Gfn);
        var r = Kvm.Mm.PinUserPage(hva);
        if (r.Status == HostFaultStatus.NeedsCowBreak)
        {
            if (BreakCow(r) is { } wait) return wait;
            r = Kvm.Mm.PinUserPage(hva);
        }
        Pinned(F, Kvm.Mm, r);
        if (F.Ret != Errno.Ok) return OutPutPage(F.Ret);
        return Reached();
    }

    /// <summary>
    /// <c>prepare_mmu_memcache(vcpu, true, ...)</c> (failure is -ENOMEM), then <c>account_locked_vm(mm, 1, true)</c> —
    /// one page, even when it belongs to a large folio (the pin raises a large folio's pincount by one).
    /// </summary>
    public static Errno Prepare(KvmS2Fault f, Vcpu vcpu, HostMm mm, S2FaultDesc desc, int minPages)
    {
        f.Memcache = vcpu.MmuPageCache;
        if (vcpu.MmuPageCache.TopUp(minPages) != Errno.Ok) return Errno.ENOMEM;
        f.FaultIpa = desc.FaultIpa.AlignDown(Sizes.PageSize);
        f.Ipa = f.FaultIpa;
        f.Gfn = Gfn.Of(f.Ipa);
        f.Vma = new VmaInfo(Sizes.PageShift, ForcePte: true, PfnMap: false, MteAllowed: false, IsCacheable: true, VfioAllowAnyUc: false, Sizes.PageShift);
        return mm.AccountLockedVm(1, inc: true);
    }

    /// <summary>
    /// The outcome of <c>pin_user_pages</c> (under <c>mmap_read_lock</c>): -EHWPOISON sends SIGBUS with lsb PAGE_SHIFT and
    /// returns 0; anything but one page is -EFAULT; a page-cache (not swap-backed) page is refused — writeback and
    /// <c>page_mkclean</c> could not see the stage-2 mapping. Every failure unpins and undoes the accounting.
    /// </summary>
    public static void Pinned(KvmS2Fault f, HostMm mm, in HostFaultIn r)
    {
        switch (r.Status)
        {
            case HostFaultStatus.Ok when r.Folio is { SwapBacked: true }:
                f.Pfn = r.Pfn;
                f.Pinned = r.Folio;
                f.Writable = true;
                f.Prot = S2Prot.RWX; // the donated page: KVM_PGTABLE_PROT_RWX
                return;
            case HostFaultStatus.Ok:
                mm.UnpinUserPage(r.Folio!);
                // The error code is not in the thread's excerpt (seed 002); -EIO as in the pKVM tree.
                f.Ret = Errno.EIO;
                break;
            case HostFaultStatus.HwPoison:
                f.SigbusLsb = Sizes.PageShift;
                f.Ret = Errno.EHWPOISON;
                break;
            default:
                f.Ret = Errno.EFAULT;
                break;
        }
        mm.AccountLockedVm(1, inc: false);
    }

    /// <summary>
    /// <c>pkvm_pgtable_stage2_map(pgt, fault_ipa, PAGE_SIZE, phys, RWX, memcache, 0)</c> under the write lock; -EAGAIN (another
    /// vCPU mapped it) is success for the guest; any failure unpins and undoes the accounting.
    /// </summary>
    public static FaultResult Map(KvmS2Fault f, Kvm kvm, int holder)
    {
        var ret = kvm.S2Map(holder, f.FaultIpa, Sizes.PageSize, f.Pfn, f.Mapping.Prot, f.Memcache);
        f.Ret = ret;
        if (ret == Errno.Ok) return FaultResult.Map;
        kvm.Mm.UnpinUserPage(f.Pinned!);
        f.Pinned = null;
        kvm.Mm.AccountLockedVm(1, inc: false);
        return ret == Errno.EAGAIN ? FaultResult.Spurious : FaultResult.None;
    }
}
