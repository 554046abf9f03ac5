using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Stage2;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Fault;

/// <summary>
/// The phases of <c>user_mem_abort</c> after the 2026 refactor, each a small function whose parameters are
/// all it may read. <see cref="FaultHandler"/> sequences them; an engine may interleave anything between two.
/// </summary>
public static class UserMemAbort
{
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
    public static Errno GetVmaInfo(KvmS2Fault f, HostMm mm, MmuNotifierState notifier, S2FaultDesc desc, BugSet bugs)
    {
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
        f.Vma = new VmaInfo(shift, forcePte, vma.IsPfnOrMixedMap, vma.MteAllowed, vma.IsCacheable, VfioAllowAnyUc: false, hostShift);
        // 8c2e8ac8ad4b: VM_MTE_ALLOWED is sampled here, under mmap_lock; before it the VMA pointer was kept and read later.
        f.VmaObject = bugs.IsOn(VmaUsedAfterMmapUnlock.Name) ? vma : null;
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
    /// </summary>
    public static AccessExitKind ComputeProt(KvmS2Fault f, KvmConfig config, in GuestAbort abort, S2FaultDesc desc, BugSet bugs, Oracle.KvmOracle? oracle = null)
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
            var mteAllowed = f.VmaObject is { } vma ? VmaUsedAfterMmapUnlock.MteAllowed(vma, oracle) : f.Vma.MteAllowed;
            if (!mteAllowed) f.Ret = Errno.EFAULT;
        }
        return AccessExitKind.Ok;
    }

    /// <summary>
    /// The size decision under the lock: a permission fault on a block relaxes the block whole; otherwise
    /// <c>transparent_hugepage_adjust</c> may promote a 4 KiB fault to a PMD block of a THP.
    /// </summary>
    public static void AdjustSize(KvmS2Fault f, HostPageTable hostPt, in GuestAbort abort, S2FaultDesc desc, BugSet bugs)
    {
        f.MapSize = f.Vma.VmaPageSize;
        // 91a2c34b7d6f: a fault resolving to a device mapping keeps its size; THP adjustment never runs on it.
        var device = f.ForceNoncacheable && !bugs.IsOn(DevicePfnThpUpgraded.Name);
        if (f.MapSize != Sizes.PageSize || f.Vma.ForcePte || device) return;
        if (desc.FaultIsPerm && abort.Esr.PermFaultGranule > Sizes.PageSize)
        {
            f.MapSize = abort.Esr.PermFaultGranule;
            return;
        }
        f.MapSize = TransparentHugepageAdjust(f, hostPt, desc, bugs);
    }

    /// <summary>
    /// <c>transparent_hugepage_adjust</c>: if the slot allows a PMD block here and the host maps hva with a
    /// PMD (<c>get_user_mapping_size</c>), align fault_ipa and pfn down to 2 MiB. No host mapping → -EAGAIN.
    /// </summary>
    public static ulong TransparentHugepageAdjust(KvmS2Fault f, HostPageTable hostPt, S2FaultDesc desc, BugSet bugs)
    {
        // The THP upgrade is gated by fault_supports_stage2_huge_mapping (6794ad5443a2 added the gate, checking only
        // congruence for THP; "Skip stage2 huge mappings for unaligned ipa backed by THP" restored it after a80868f39855).
        var allowed = bugs.IsOn(ThpAdjustSkipsHugeCheck.Name)
            || (bugs.IsOn(HugeMapIgnoresMemslotBounds.Name)
                ? HugeMapIgnoresMemslotBounds.PreFixSupportsHugeMapping(desc.Memslot, Sizes.PmdSize, hugetlb: false)
                : Stage2HugeMapping.FaultSupportsStage2HugeMapping(desc.Memslot, desc.Hva, Sizes.PmdSize));
        if (!allowed) return Sizes.PageSize;
        if (bugs.IsOn(HostPtWalkUnprotected.Name))
        {
            // Before e86fc1a3a3e9: get_user_mapping_size walked without disabling interrupts (so freeing the tables
            // did not wait for it) and a missing mapping just meant "not a PMD".
            var raw = hostPt.MappingSizeUnprotected(desc.Hva);
            if (raw < Sizes.PmdSize) return Sizes.PageSize;
            f.FaultIpa = f.FaultIpa.AlignDown(Sizes.PmdSize);
            f.Pfn = f.Pfn.AlignDown(Sizes.PtrsPerPmd);
            return Sizes.PmdSize;
        }
        var sz = hostPt.MappingSize(desc.Hva);
        if (sz == 0) { f.Ret = Errno.EAGAIN; return Sizes.PageSize; }
        if (sz < Sizes.PmdSize) return Sizes.PageSize;
        f.FaultIpa = f.FaultIpa.AlignDown(Sizes.PmdSize);
        // The newest rework re-aligns the canonical ipa too, so fault_ipa (L2) and ipa (L1) stay congruent.
        f.Ipa = f.Ipa.AlignDown(Sizes.PmdSize);
        f.Pfn = f.Pfn.AlignDown(Sizes.PtrsPerPmd);
        return Sizes.PmdSize;
    }

    /// <summary>
    /// <c>sanitise_mte_tags</c>: initialise the tags of every page about to be mapped, each through
    /// <c>try_page_mte_tagging</c> (clear, then <c>set_page_mte_tagged</c>). A page another initialiser has claimed but
    /// not finished makes the fault wait for it (still under <c>mmu_lock</c>, as the kernel spins); the wait is found
    /// before anything changes, so a blocked step changes nothing. Returns the holder to wait for, or null when done.
    /// </summary>
    /// <remarks>The model keeps MTE state per 4 KiB page also for hugetlb folios (the kernel keeps it on the head page).</remarks>
    public static int? SanitiseMteTags(KvmS2Fault f, PhysicalMemory phys, int holder, BugSet bugs, Oracle.KvmOracle oracle)
    {
        var pages = f.MapSize / Sizes.PageSize;
        var preFix = bugs.IsOn(MteTagInitRace.Name);
        if (!preFix)
        {
            for (ulong i = 0; i < pages; i++)
                if (phys.FolioOf(f.Pfn + i)?.MteAt(f.Pfn + i) is { } m && m.ClaimedByOther(holder)) return m.LockHolder;
        }
        for (ulong i = 0; i < pages; i++)
        {
            if (phys.FolioOf(f.Pfn + i)?.MteOfPfn(f.Pfn + i) is not { } m) continue;
            // d77e59a8fccd: claim with PG_mte_lock; before it, a plain "if (!PG_mte_tagged)" check.
            var wiped = preFix ? MteTagInitRace.SanitisePage(m) : m.TryPageMteTagging(holder) == MteClaim.Claimed && m.InitialiseTags();
            if (wiped) oracle.MteTagsWiped(f.Pfn + i, m, "sanitise_mte_tags");
        }
        return null;
    }

    /// <summary>Relax when a permission fault keeps the leaf's size; map otherwise (also splitting or collapsing).</summary>
    public static FaultResult MapOrRelax(KvmS2Fault f, Kvm kvm, int holder, in GuestAbort abort, S2FaultDesc desc)
    {
        var bugs = kvm.Bugs;
        // 7d894834a305: relax only when the mapping size equals the granule of the leaf that faulted.
        var relax = bugs.IsOn(PermFaultRelaxIgnoresGranule.Name)
            ? desc.FaultIsPerm && !(desc.LoggingActive && f.Writable)
            : desc.FaultIsPerm && f.MapSize == abort.Esr.PermFaultGranule;
        // hw_mmu->pgt: the shadow stage 2 for a nested fault.
        var pgt = desc.Nested is null ? null : kvm.Vcpus[desc.Vcpu].Nested?.Shadow;
        var ret = relax
            ? kvm.S2RelaxPerms(holder, f.FaultIpa, f.Prot, pgt)
            : kvm.S2Map(holder, f.FaultIpa, f.MapSize, f.Pfn, f.Prot, f.Memcache, pgt);
        f.Ret = ret;
        if (ret == Errno.EAGAIN) return FaultResult.Spurious;
        if (ret != Errno.Ok) return FaultResult.None;
        return relax ? FaultResult.Relax : FaultResult.Map;
    }
}
