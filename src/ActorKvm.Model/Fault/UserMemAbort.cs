using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Stage2;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Fault;

/// <summary>
/// <c>user_mem_abort</c> (anonymous, file, hugetlb and PFNMAP memory) as a stepper, in the shape of the 2026 refactor:
/// <c>kvm_s2_fault_get_vma_info</c> [vma-snapshot], <c>kvm_s2_fault_pin_pfn</c> [pfn-faultin],
/// <c>kvm_s2_fault_compute_prot</c> [prot-computed], then the locked sequence <see cref="KvmS2FaultMap"/> [mmu-lock,
/// retry-check, thp-adjust, map, complete]. Each phase function takes only what it may read; an engine may interleave
/// anything between two phases.
/// </summary>
public sealed class UserMemAbort : AbortHandler
{
    private static readonly FaultPhase[] PhaseList =
    [
        FaultPhase.VmaSnapshot, FaultPhase.PfnFaultin, FaultPhase.ProtComputed,
        FaultPhase.MmuLock, FaultPhase.RetryCheck, FaultPhase.ThpAdjust, FaultPhase.Map, FaultPhase.Complete,
    ];

    private readonly KvmS2FaultMap _map;

    internal UserMemAbort(KvmHandleGuestAbort abort) : base(abort, PhaseList) => _map = new KvmS2FaultMap(this);

    /// <inheritdoc/>
    internal override void Start()
    {
        base.Start();
        _map.Start();
    }

    /// <inheritdoc/>
    internal override StepResult Step() => Next switch
    {
        FaultPhase.VmaSnapshot => VmaSnapshot(),
        FaultPhase.PfnFaultin => PfnFaultin(),
        FaultPhase.ProtComputed => ProtComputed(),
        _ => _map.Step(),
    };

    private StepResult VmaSnapshot()
    {
        var ret = PrepareMemcache(F, G.Vcpu, Abort, S2fd, Kvm.Pgt.MinCachePages, Bugs);
        Host.Vma? kept = null;
        if (ret == Errno.Ok) ret = GetVmaInfo(F, Kvm.Mm, Kvm.Notifier, S2fd, Bugs, out kept);
        if (ret != Errno.Ok) return OutPutPage(ret);
        if (kept is not null) G.PreFix.KeptVma = kept;
        // Before 13ec9308a857 the sequence was read after mmap_read_unlock (next phase, before the pfn lookup).
        if (Bugs.IsOn(MmuSeqSnapshotAfterVmaUnlock.Name)) G.PreFix.SeqSnapshotPending = true;
        return Reached();
    }

    private StepResult PfnFaultin()
    {
        if (G.PreFixState is { SeqSnapshotPending: true } preFix)
        {
            F.MmuSeq = Kvm.Notifier.MmuInvalidateSeq;
            preFix.SeqSnapshotPending = false;
        }
        var r = PinPfn(F, Kvm.Mm, Abort, S2fd, Bugs);
        if (r.Status == HostFaultStatus.NeedsCowBreak)
        {
            if (BreakCow(r) is { } wait) return wait;
            r = PinPfn(F, Kvm.Mm, Abort, S2fd, Bugs);
        }
        PageReferenced();
        if (r.Status != HostFaultStatus.Ok) return OutPutPage(F.Ret);
        return Reached();
    }

    private StepResult ProtComputed()
    {
        // The rule of entry 24: the snapshot must precede the pfn lookup; the bug reads it only now.
        if (Bugs.IsOn(MmuSeqSnapshotAfterFaultin.Name)) F.MmuSeq = Kvm.Notifier.MmuInvalidateSeq;
        var injected = ComputeProt(F, Kvm.Config, Abort, S2fd, Bugs, G.PreFixState?.KeptVma, Kvm.Oracle);
        if (injected == AccessExitKind.InjectExclAtomic)
        {
            // out_put_page: the injected fault must release the page like every early exit (e07fc9e2da91).
            if (!Bugs.IsOn(PageLeakOnExclAtomicFault.Name)) KvmReleaseFaultinPage(unused: true, dirty: false);
            G.Exit = new AccessExit(AccessExitKind.InjectExclAtomic);
            return G.Finish(srcu: true);
        }
        if (F.Ret != Errno.Ok)
        {
            // 5f9466b50c1b: the PFNMAP attribute checks (-EFAULT cacheable without FWB+DIC, -ENOEXEC exec on
            // non-cacheable) go to out_put_page too; before it they returned holding the page.
            if (F.Ret is Errno.EFAULT or Errno.ENOEXEC && F.Vma.PfnMap && Bugs.IsOn(PageLeakOnAttrMismatch.Name))
                F.Page = null;
            return OutPutPage(F.Ret);
        }
        return Reached();
    }

    /// <summary>
    /// <c>prepare_mmu_memcache</c>: the memcache is always selected; it is topped up unless this is a permission
    /// fault that cannot need table pages (only a write while logging may split a block).
    /// </summary>
    public static Errno PrepareMemcache(KvmS2Fault f, Vcpu vcpu, in GuestAbort abort, S2FaultDesc desc, int minPages, BugSet bugs)
    {
        var topup = !desc.FaultIsPerm || (desc.LoggingActive && abort.Esr.IsWriteFault);
        // 157dbc4a321f: the memcache is selected unconditionally, outside the top-up block.
        f.Memcache = topup || !bugs.IsOn(MemcacheUninitOnPermMap.Name) ? vcpu.MmuPageCache : MemcacheUninitOnPermMap.UnsetMemcache();
        return topup ? vcpu.MmuPageCache.TopUp(minPages) : Errno.Ok;
    }

    /// <summary>
    /// <c>kvm_s2_fault_get_vma_info</c> (with <c>kvm_s2_resolve_vma_size</c>): under <c>mmap_read_lock</c>, look the
    /// VMA up, decide the page shift, align the IPAs, copy the VMA facts and read <c>mmu_invalidate_seq</c>
    /// before the unlock so every VMA-derived decision is covered by the later retry check.
    /// </summary>
    public static Errno GetVmaInfo(KvmS2Fault f, HostMm mm, MmuNotifierState notifier, S2FaultDesc desc, BugSet bugs, out Vma? kept)
    {
        kept = null;
        mm.Locks?.Took(Locking.KernelLocks.MmapRead); // mmap_read_lock
        var vma = mm.FindVma(desc.Hva);
        if (vma is null) return Errno.EFAULT;

        var logging = desc.LoggingActive;
        var hostShift = Stage2HugeMapping.GetVmaPageShift(vma, desc.Hva);
        var (shift, forcePte) = logging
            // a80868f39855: refusing a block because of logging resets the size itself, not just force_pte.
            ? (bugs.IsOn(ForcePteIgnoredForHugetlb.Name) ? hostShift : Sizes.PageShift, true)
            : Stage2HugeMapping.ResolveVmaShift(desc.Memslot, desc.Hva, hostShift, forcePte: false, vma.IsHugetlb, bugs);

        var size = 1UL << shift;
        if (desc.Nested is { } nested)
        {
            // Nested: the mapping is capped by L1's block size, rounded down to a host block size; PAGE_SIZE forces PTEs.
            var max = Nested.KvmWalkNestedS2.MaxMapSize(nested, forcePte);
            forcePte = max == Sizes.PageSize;
            size = Math.Min(size, max);
            shift = System.Numerics.BitOperations.Log2(size);
        }
        // fault_ipa (L2 when nested: where the leaf goes) and ipa (canonical: memslot, pfn, dirty) both aligned down.
        f.FaultIpa = desc.FaultIpa.AlignDown(size);
        // 1d8c3c23a6bc: the canonical IPA (and so gfn and pfn) is aligned down to the block size too.
        f.Ipa = bugs.IsOn(CanonicalIpaNotAligned.Name) ? desc.Ipa.AlignDown(Sizes.PageSize) : desc.Ipa.AlignDown(size);
        f.Gfn = Gfn.Of(f.Ipa);
        f.Vma = new VmaInfo(shift, forcePte, vma.IsPfnOrMixedMap, vma.MteAllowed, vma.IsCacheable, VfioAllowAnyUc: false, hostShift,
            BlockPastVmaEnd: vma.IsPfnMap && size > Sizes.PageSize && desc.Hva.AlignDown(size) + size > vma.End);
        // 8c2e8ac8ad4b: VM_MTE_ALLOWED is sampled here, under mmap_lock; before it the VMA pointer was kept and read later.
        if (bugs.IsOn(VmaUsedAfterMmapUnlock.Name)) kept = vma;
        // 13ec9308a857: read mmu_invalidate_seq before mmap_read_unlock (and, always, before the pfn lookup).
        if (!bugs.IsOn(MmuSeqSnapshotAfterVmaUnlock.Name) && !bugs.IsOn(MmuSeqSnapshotAfterFaultin.Name)) f.MmuSeq = notifier.MmuInvalidateSeq;
        return Errno.Ok; // mmap_read_unlock: the vma reference ends with this function
    }

    /// <summary>
    /// <c>kvm_s2_fault_pin_pfn</c> → <c>__kvm_faultin_pfn</c>: fault the (block-aligned) gfn's page in and take a
    /// reference. A host copy-on-write break is reported back so the caller can run its invalidation first.
    /// </summary>
    public static HostFaultIn PinPfn(KvmS2Fault f, HostMm mm, in GuestAbort abort, S2FaultDesc desc, BugSet bugs)
    {
        var hva = desc.Memslot.GfnToHva(f.Gfn);
        var r = mm.FaultIn(hva, abort.Esr.IsWriteFault, takeRef: true);
        switch (r.Status)
        {
            case HostFaultStatus.Ok:
                f.Pfn = r.Pfn;
                f.Page = r.Folio;
                f.Writable = r.Writable && !desc.Memslot.ReadOnly;
                break;
            case HostFaultStatus.HwPoison:
                // kvm_send_hwpoison_signal(hva, vma_shift); the handler then returns 0. 7b75cd512842: vma_shift
                // follows the size actually attempted, not the VMA's own page size.
                // kvm_arch_vcpu_pre_fault_memory: a pre-fault reports -EHWPOISON to the ioctl and sends no signal.
                if (!desc.Prefault) f.SigbusLsb = bugs.IsOn(HwpoisonStaleVmaShift.Name) ? f.Vma.HostShift : f.Vma.VmaShift;
                f.Ret = Errno.EHWPOISON;
                break;
            case HostFaultStatus.Fault:
                f.Ret = Errno.EFAULT;
                break;
        }
        return r;
    }

    /// <summary>
    /// <c>kvm_s2_fault_compute_prot</c>: PFNMAP memtype rules, read-only while logging, exec on
    /// non-cacheable memory, the exclusive/atomic injection and the final prot. Returns
    /// <see cref="AccessExitKind.InjectExclAtomic"/> when it injected, else Ok with <c>f.Ret</c> set on error.
    /// <paramref name="keptVma"/> is the VMA only <c>vma-used-after-mmap-unlock</c> keeps past the unlock.
    /// </summary>
    public static AccessExitKind ComputeProt(KvmS2Fault f, KvmConfig config, in GuestAbort abort, S2FaultDesc desc, BugSet bugs, Vma? keptVma, Oracle.KvmOracle? oracle = null)
    {
        var write = abort.Esr.IsWriteFault;
        var exec = abort.Esr.IsExecFault;
        // 6d674e28f642: a pfn that is not RAM is device memory, whatever path faulted it in.
        if (f.Vma.PfnMap && !PhysicalMemory.IsMapMemory(f.Pfn) && !bugs.IsOn(DevicePfnDemandPagedAsRam.Name))
        {
            if (f.Vma.IsCacheable)
            {
                // No kernel VA exists to do CMOs: cacheable PFNMAP needs S2FWB and CACHE DIC. 2a8dfab26677: never
                // silently mapped Device instead.
                if (!config.SupportsCacheablePfnmap)
                {
                    if (!bugs.IsOn(CacheablePfnmapMappedDevice.Name)) { f.Ret = Errno.EFAULT; return AccessExitKind.Ok; }
                    f.ForceNoncacheable = true;
                }
            }
            else
            {
                f.ForceNoncacheable = true;
            }
        }
        else if (desc.LoggingActive && !write)
        {
            // Only map writable on a write fault so the first write traps and is logged.
            f.Writable = false;
        }

        if (exec && f.ForceNoncacheable) { f.Ret = Errno.ENOEXEC; return AccessExitKind.Ok; }
        if (abort.Esr.Fsc.IsExclAtomic()) return AccessExitKind.InjectExclAtomic;

        var prot = S2Prot.R;
        if (f.Writable) prot |= S2Prot.W;
        if (exec) prot |= S2Prot.X;
        if (f.ForceNoncacheable) prot |= f.Vma.VfioAllowAnyUc ? S2Prot.NormalNc : S2Prot.Device;
        else if (config.CacheDic) prot |= S2Prot.X;
        // adjust_nested_fault_perms / adjust_nested_exec_perms: never more than L1 grants.
        if (desc.Nested is { } nested)
        {
            prot = Nested.KvmWalkNestedS2.AdjustPerms(nested, prot);
            f.Writable &= nested.Writable;
        }
        f.Prot = prot;

        // MTE check hoisted out of the locked section; the bug reads kvm_vma_mte_allowed(vma) through the pointer.
        if (!desc.FaultIsPerm && !f.ForceNoncacheable && config.Mte)
        {
            var mteAllowed = keptVma is { } vma ? VmaUsedAfterMmapUnlock.MteAllowed(vma, oracle) : f.Vma.MteAllowed;
            if (!mteAllowed) f.Ret = Errno.EFAULT;
        }
        return AccessExitKind.Ok;
    }
}
