using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Fault;

/// <summary>
/// <c>kvm_s2_fault_map</c>: <c>user_mem_abort</c>'s locked sequence, one phase per step — <c>kvm_fault_lock</c>
/// [mmu-lock]; <c>mmu_invalidate_retry</c> [retry-check]; the size decision (the permission granule or
/// <c>transparent_hugepage_adjust</c>) that makes the <see cref="KvmS2FaultMapping"/>, and the MTE check
/// [thp-adjust]; <c>sanitise_mte_tags</c>, then relax or map [map]; release the page under the lock, unlock and
/// mark the gfn dirty [complete]. Every exit after the lock goes through <c>out_unlock</c>.
/// </summary>
public sealed class KvmS2FaultMap
{
    private readonly UserMemAbort _h;
    private bool _sanitisePending;

    internal KvmS2FaultMap(UserMemAbort handler) => _h = handler;

    /// <summary>Starts a new abort.</summary>
    internal void Start() => _sanitisePending = false;

    /// <summary>Runs the next phase of the locked sequence.</summary>
    internal StepResult Step() => _h.Next switch
    {
        FaultPhase.MmuLock => _h.KvmFaultLock(_h.Kvm.Variants.FaultLockMode(_h.S2fd.FaultIsPerm, LockMode.Read)) ?? _h.Reached(),
        FaultPhase.RetryCheck => _h.MmuInvalidateRetry() ? OutUnlock() : _h.Reached(),
        FaultPhase.ThpAdjust => ThpAdjust(),
        FaultPhase.Map => Map(),
        FaultPhase.Complete => OutUnlock(),
        _ => throw new InvalidOperationException($"bad phase {_h.Next}"),
    };

    private KvmS2Fault F => _h.F;

    private StepResult OutUnlock() => _h.OutUnlock(F.Mapping.Writable);

    /// <summary>The size decision, then the MTE check of the pages about to be mapped (still under the lock).</summary>
    private StepResult ThpAdjust()
    {
        var kvm = _h.Kvm;
        var s2fd = _h.S2fd;
        var size = AdjustSize(F, kvm.Mm.PageTable, _h.Abort, s2fd, kvm.Bugs);
        F.Mapping = new KvmS2FaultMapping(size, F.Prot, F.Writable);
        if (F.Ret == Errno.EAGAIN)
        {
            _h.G.Result = FaultResult.Retry;
            return OutUnlock();
        }
        if (!s2fd.FaultIsPerm && !F.ForceNoncacheable && kvm.Config.Mte)
        {
            if (!F.Vma.MteAllowed)
            {
                F.Ret = Errno.EFAULT;
                return OutUnlock();
            }
            _sanitisePending = true; // sanitise_mte_tags runs at the start of the map phase: it may wait
        }
        return _h.Reached();
    }

    private StepResult Map()
    {
        var kvm = _h.Kvm;
        var m = F.Mapping;
        if (_sanitisePending)
        {
            kvm.LockChecker.Took(KernelLocks.PageLock); // try_page_mte_tagging: PG_mte_lock
            if (SanitiseMteTags(F, m.Size, kvm.Phys, _h.Holder, kvm.Bugs, kvm.Oracle) is { } initialiser)
                return StepResult.BlockedOn(WaitFor.PageMteLock, "PG_mte_lock (try_page_mte_tagging)", [initialiser]);
            _sanitisePending = false;
        }
        _h.MarkPageDirtyBeforeMapPreFix(m.Writable);
        var result = SplitBlockUnderReadLock.Applies(kvm.Bugs, _h.Abort, _h.S2fd, m.Size)
            ? SplitBlockUnderReadLock.SplitBlockUnowned(F, kvm, _h.Holder, _h.Abort)
            : MapOrRelax(F, m, kvm, _h.Holder, _h.Abort, _h.S2fd);
        _h.G.Result = result;
        if (result is FaultResult.Map or FaultResult.Relax) kvm.Oracle.FaultMapped(_h.Holder, _h.Abort, _h.S2fd, F, result == FaultResult.Relax);
        return _h.Reached();
    }

    /// <summary>
    /// The size decision under the lock: a permission fault on a block relaxes the block whole; otherwise
    /// <c>transparent_hugepage_adjust</c> may promote a 4 KiB fault to a PMD block of a THP.
    /// </summary>
    public static ulong AdjustSize(KvmS2Fault f, HostPageTable hostPt, in GuestAbort abort, S2FaultDesc desc, BugSet bugs)
    {
        var size = f.Vma.VmaPageSize;
        // 91a2c34b7d6f: a fault resolving to a device mapping keeps its size; THP adjustment never runs on it.
        var device = f.ForceNoncacheable && !bugs.IsOn(DevicePfnThpUpgraded.Name);
        if (size != Sizes.PageSize || f.Vma.ForcePte || device) return size;
        if (desc.FaultIsPerm && abort.Esr.PermFaultGranule > Sizes.PageSize) return abort.Esr.PermFaultGranule;
        return TransparentHugepageAdjust(f, hostPt, desc, bugs);
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
    public static int? SanitiseMteTags(KvmS2Fault f, ulong size, PhysicalMemory phys, int holder, BugSet bugs, Oracle.KvmOracle oracle)
    {
        var pages = size / Sizes.PageSize;
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
    public static FaultResult MapOrRelax(KvmS2Fault f, in KvmS2FaultMapping m, Kvm kvm, int holder, in GuestAbort abort, S2FaultDesc desc)
    {
        var bugs = kvm.Bugs;
        // 7d894834a305: relax only when the mapping size equals the granule of the leaf that faulted.
        var relax = bugs.IsOn(PermFaultRelaxIgnoresGranule.Name)
            ? desc.FaultIsPerm && !(desc.LoggingActive && m.Writable)
            : desc.FaultIsPerm && m.Size == abort.Esr.PermFaultGranule;
        // hw_mmu->pgt: the shadow stage 2 for a nested fault.
        var pgt = desc.Nested is null ? null : kvm.Vcpus[desc.Vcpu].Nested?.Shadow;
        var ret = relax
            ? kvm.S2RelaxPerms(holder, f.FaultIpa, m.Prot, pgt)
            : kvm.S2Map(holder, f.FaultIpa, m.Size, f.Pfn, m.Prot, f.Memcache, pgt, LevelHint(desc));
        f.Ret = ret;
        if (ret == Errno.EAGAIN) return FaultResult.Spurious;
        if (ret != Errno.Ok) return FaultResult.None;
        return relax ? FaultResult.Relax : FaultResult.Map;
    }

    /// <summary>
    /// <c>adjust_nested_fault_perms</c>' <c>prot |= kvm_encode_nested_level(nested)</c>: a shadow leaf carries the L1 leaf's
    /// level (a relax drops it from prot, keeping the leaf's own).
    /// </summary>
    public static byte LevelHint(in S2FaultDesc desc) => desc.Nested is { } nested ? Nested.KvmWalkNestedS2.EncodeNestedLevel(nested) : (byte)0;
}
