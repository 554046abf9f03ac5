using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Fault;

/// <summary>
/// The phases of <c>gmem_abort</c> (arch/arm64/kvm/mmu.c, "Handle guest_memfd-backed guest page faults") for slots
/// backed by guest_memfd: no VMA and no <c>mmap_lock</c>, so no size ladder, no THP, no relax and no logging; always a
/// PAGE_SIZE map, with its own lock, retry check and exit: <c>kvm_gmem_get_pfn</c> [pfn-faultin], the prot
/// [prot-computed], <c>kvm_fault_lock</c> [mmu-lock], <c>mmu_invalidate_retry</c> [retry-check],
/// <c>kvm_pgtable_stage2_map</c> [map], <c>out_unlock</c> [complete].
/// </summary>
public sealed class GmemAbort : AbortHandler
{
    private static readonly FaultPhase[] PhaseList =
    [
        FaultPhase.PfnFaultin, FaultPhase.ProtComputed, FaultPhase.MmuLock, FaultPhase.RetryCheck, FaultPhase.Map, FaultPhase.Complete,
    ];

    internal GmemAbort(KvmHandleGuestAbort abort) : base(abort, PhaseList) { }

    /// <inheritdoc/>
    internal override StepResult Step()
    {
        switch (Next)
        {
            case FaultPhase.PfnFaultin:
                {
                    var r = PinPfn(F, G.Vcpu, Kvm.Mm, Kvm.Notifier, S2fd, Kvm.Pgt.MinCachePages);
                    PageReferenced();
                    if (F.Ret == Errno.ENOMEM) return OutPutPage(F.Ret);
                    if (r.Status != HostFaultStatus.Ok)
                    {
                        // kvm_prepare_memory_fault_exit: KVM_RUN fails with the error and exit reason KVM_EXIT_MEMORY_FAULT.
                        G.Exit = new AccessExit(AccessExitKind.MemoryFault, F.Ret);
                        return OutPutPage(F.Ret);
                    }
                    return Reached();
                }
            case FaultPhase.ProtComputed:
                ComputeProt(F, Kvm.Config, Abort, S2fd);
                return Reached();
            case FaultPhase.MmuLock:
                return KvmFaultLock(Locking.LockMode.Read) ?? Reached();
            case FaultPhase.RetryCheck:
                if (MmuInvalidateRetry()) return OutUnlock(F.Mapping.Writable);
                // No size decision: always PAGE_SIZE.
                F.Mapping = new KvmS2FaultMapping(Sizes.PageSize, F.Prot, F.Writable);
                return Reached();
            case FaultPhase.Map:
                MarkPageDirtyBeforeMapPreFix(F.Mapping.Writable);
                G.Result = Map(F, Kvm, Holder, S2fd);
                if (G.Result == FaultResult.Map) Kvm.Oracle.FaultMapped(Holder, Abort, S2fd, F);
                return Reached();
            default:
                return OutUnlock(F.Mapping.Writable);
        }
    }

    /// <summary>
    /// <c>prepare_mmu_memcache(vcpu, true, ...)</c> (always topped up, even for a permission fault, which re-maps),
    /// then <c>mmu_seq = kvm->mmu_invalidate_seq; smp_rmb()</c> and <c>kvm_gmem_get_pfn</c> for the canonical gfn. On
    /// error the handler prepares a <c>KVM_EXIT_MEMORY_FAULT</c> and returns it (no hwpoison signal on this path).
    /// </summary>
    public static HostFaultIn PinPfn(KvmS2Fault f, Vcpu vcpu, HostMm mm, MmuNotifierState notifier, S2FaultDesc desc, int minPages)
    {
        f.Memcache = vcpu.MmuPageCache;
        f.Ret = vcpu.MmuPageCache.TopUp(minPages);
        if (f.Ret != Errno.Ok) return HostFaultIn.Failed(HostFaultStatus.Fault);
        // gfn = fault_ipa >> PAGE_SHIFT (the L1 output when nested); always PAGE_SIZE.
        f.FaultIpa = desc.FaultIpa.AlignDown(Sizes.PageSize);
        f.Ipa = desc.Ipa.AlignDown(Sizes.PageSize);
        f.Gfn = Gfn.Of(f.Ipa);
        f.Vma = new VmaInfo(Sizes.PageShift, ForcePte: true, PfnMap: false, MteAllowed: false, IsCacheable: true, VfioAllowAnyUc: false, Sizes.PageShift);
        f.MmuSeq = notifier.MmuInvalidateSeq;
        var r = mm.GmemGetPfn(desc.Memslot.GfnToHva(f.Gfn));
        switch (r.Status)
        {
            case HostFaultStatus.Ok:
                f.Pfn = r.Pfn;
                f.Page = r.Folio;
                break;
            case HostFaultStatus.HwPoison:
                f.Ret = Errno.EHWPOISON;
                break;
            default:
                f.Ret = Errno.EFAULT;
                break;
        }
        return r;
    }

    /// <summary>
    /// <c>writable = !(memslot->flags &amp; KVM_MEM_READONLY)</c> (not narrowed by the host mapping nor by the fault
    /// kind); X on an exec fault, or everywhere with CACHE_DIC. Memory is always Normal.
    /// </summary>
    public static void ComputeProt(KvmS2Fault f, KvmConfig config, in GuestAbort abort, S2FaultDesc desc)
    {
        f.Writable = !desc.Memslot.ReadOnly;
        var prot = S2Prot.R;
        if (f.Writable) prot |= S2Prot.W;
        if (abort.Esr.IsExecFault || config.CacheDic) prot |= S2Prot.X;
        if (desc.Nested is { } nested)
        {
            prot = Nested.KvmWalkNestedS2.AdjustPerms(nested, prot);
            f.Writable &= nested.Writable;
        }
        f.Prot = prot;
    }

    /// <summary><c>kvm_pgtable_stage2_map(pgt, fault_ipa, PAGE_SIZE, ...)</c>: a permission fault is re-mapped, never relaxed.</summary>
    public static FaultResult Map(KvmS2Fault f, Kvm kvm, int holder, S2FaultDesc desc)
    {
        var pgt = desc.Nested is null ? null : kvm.Vcpus[desc.Vcpu].Nested?.Shadow;
        var ret = kvm.S2Map(holder, f.FaultIpa, Sizes.PageSize, f.Pfn, f.Mapping.Prot, f.Memcache, pgt, KvmS2FaultMap.LevelHint(desc));
        f.Ret = ret;
        if (ret == Errno.EAGAIN) return FaultResult.Spurious;
        return ret == Errno.Ok ? FaultResult.Map : FaultResult.None;
    }
}
