using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Stage2;

namespace ActorKvm.Model.Vm;

/// <summary>
/// One VM (<c>struct kvm</c>) with its host process: memslots, the canonical stage-2, the MMU-notifier
/// state, <c>mmu_lock</c>, SRCU, the vCPUs and the oracle watching all of it. Operations on state the
/// kernel guards with <c>mmu_lock</c> take the caller's holder id and are checked against the lock
/// (a <c>lock-violation</c> otherwise), which is what lets an engine interleave callers freely.
/// </summary>
public sealed class Kvm
{
    private readonly List<(int Holder, Hva Start, Hva End)> _activeInvalidations = [];

    /// <summary>Builds an empty VM.</summary>
    public Kvm(KvmConfig config, BugSet? bugs = null)
    {
        Config = config;
        Bugs = bugs ?? BugSet.None;
        Phys = new PhysicalMemory();
        Mm = new HostMm(Phys) { Locks = LockChecker };
        Srcu = new Srcu(LockChecker);
        Pgt = new Stage2PageTable(config.IpaBits);
        Vcpus = Enumerable.Range(0, config.Vcpus).Select(i => new Vcpu(i, config.MemcacheCapacity)).ToArray();
        SplitPageCache = new KvmMmuMemoryCache(EagerSplit.NrPageTables(config.EagerSplitChunk));
        Oracle = new KvmOracle(this);
        Pgt.Observer = Oracle;
        Pgt.Bugs = Bugs;
        Mm.ContentDiscarded += Oracle.ContentDiscarded;
        Srcu.UnheldUnlock += Oracle.SrcuUnheldUnlock;
        LockChecker.MmuLock = MmuLock;
        // The split cache is not checked: the model tops it up inside its split phase, where the kernel drops mmu_lock
        // around the top-up (need_split_memcache_topup_or_resched).
        foreach (var v in Vcpus) v.MmuPageCache.Locks = LockChecker;
        LockChecker.SleptHoldingMmuLock += Oracle.SleptHoldingMmuLock;
        Mm.PageTable.FreedTableRead += Oracle.FreedHostTableRead;
    }

    /// <summary>Configuration.</summary>
    public KvmConfig Config { get; }
    /// <summary>Which (fault phase, concurrent host/memslot phase) pairs interleaved so far.</summary>
    public PhaseCoverage Coverage { get; } = new();
    /// <summary>Bug switches on for this VM.</summary>
    public BugSet Bugs { get; }
    /// <summary>Variants (proposed changes, not bugs) on for this VM; set before the first step.</summary>
    public Variants.VariantSet Variants { get; set; } = ActorKvm.Model.Variants.VariantSet.None;
    /// <summary>Why <c>mmu_invalidate_retry</c> failed, counted (what <c>compare</c> reports).</summary>
    public Notifier.RetryCauses RetryCauses { get; } = new();
    /// <summary>Host physical memory.</summary>
    public PhysicalMemory Phys { get; }
    /// <summary>The VMM's address space.</summary>
    public HostMm Mm { get; }
    /// <summary>The canonical stage-2 (<c>kvm-&gt;arch.mmu.pgt</c>).</summary>
    public Stage2PageTable Pgt { get; }
    /// <summary>MMU-notifier bookkeeping.</summary>
    public MmuNotifierState Notifier { get; } = new();
    /// <summary><c>kvm-&gt;mmu_lock</c>.</summary>
    public MmuLock MmuLock { get; } = new();
    /// <summary><c>kvm-&gt;srcu</c>.</summary>
    public Srcu Srcu { get; }
    /// <summary>vCPUs.</summary>
    public Vcpu[] Vcpus { get; }
    /// <summary>The invariant checker.</summary>
    public KvmOracle Oracle { get; }
    /// <summary>The phase lock checker: every phase's locks against its declaration.</summary>
    public PhaseLockChecker LockChecker { get; } = new();
    /// <summary>The published memslot set (<c>kvm_memslots</c>); faults read it under SRCU.</summary>
    public MemslotSet Memslots { get; private set; } = MemslotSet.Empty;
    /// <summary>
    /// <c>kvm-&gt;arch.mmu.split_page_cache</c> for eager splitting; its capacity is <c>kvm_mmu_split_nr_page_tables(chunk)</c>,
    /// as <c>kvm_mmu_split_huge_pages</c> tops it up with that capacity and minimum.
    /// </summary>
    public KvmMmuMemoryCache SplitPageCache { get; }
    /// <summary>Page references taken by faults and not yet released.</summary>
    public int OutstandingFaultRefs { get; internal set; }

    /// <summary>Host invalidations between range-start and range-end, with their HVA ranges.</summary>
    public IReadOnlyList<(int Holder, Hva Start, Hva End)> ActiveInvalidations => _activeInvalidations;

    /// <summary>Publishes a new memslot set (<c>kvm_swap_active_memslots</c>); the caller waited for <c>mn_active_invalidate_count == 0</c>.</summary>
    public void PublishMemslots(MemslotSet set)
    {
        if (Notifier.MnActiveInvalidateCount != 0) throw new InvalidOperationException("memslot swap during an active invalidation");
        LockChecker.Took(KernelLocks.SlotsLock);
        var before = Memslots;
        Memslots = set;
        Oracle.MemslotsPublished(before, set);
    }

    /// <summary>The next memslot generation (<c>+ nr_as_ids</c>, one address space on arm64).</summary>
    public ulong NextGeneration => Memslots.Generation + 1;

    /// <summary>
    /// Takes <c>mmu_lock</c> in <paramref name="mode"/> for <paramref name="holder"/>: null when held, else the
    /// blocked step result naming who it waits behind (the caller stays queued in FIFO order).
    /// </summary>
    public StepResult? TakeMmuLock(int holder, LockMode mode, string why)
    {
        LockChecker.Took(mode == LockMode.Write ? KernelLocks.MmuWrite : KernelLocks.MmuRead);
        if (MmuLock.TryAcquire(holder, mode)) return null;
        return StepResult.BlockedOn(WaitFor.MmuLock, $"mmu_lock ({mode.ToString().ToLowerInvariant()}) for {why}", MmuLock.Blockers(mode, holder), mode);
    }

    // --- mmu_lock-guarded stage-2 operations -------------------------------------------------------

    /// <summary>
    /// Fault-path <c>kvm_pgtable_stage2_map</c>: read lock (write under pKVM) is enough. <paramref name="swBits"/> are
    /// the software bits of the new leaves (a shadow leaf's level hint, <c>kvm_encode_nested_level</c>).
    /// </summary>
    public Errno S2Map(int holder, Ipa ipa, ulong size, Pfn pfn, S2Prot prot, KvmMmuMemoryCache? mc, Stage2PageTable? pgt = null, byte swBits = 0)
    {
        RequireLock(holder, LockMode.Read, "kvm_pgtable_stage2_map");
        var table = pgt ?? Pgt;
        var before = table.GetLeaf(ipa);
        var pages = KvmOracle.TablePages(table, mc);
        var r = table.Map(ipa, size, pfn, prot, mc, swBits);
        if (r == Errno.Ok) Oracle.Stage2Mapped(table, ipa, size, pfn, prot, swBits);
        Oracle.Stage2MapReturned(table, ipa, size, pfn, prot, swBits, before, r);
        Oracle.TablePagesWalked("kvm_pgtable_stage2_map", table, mc, pages, r);
        return r;
    }

    /// <summary>A fault-path split by a walker that does not own the entry (see <see cref="Stage2PageTable.SplitBlockUnowned"/>).</summary>
    public Errno S2SplitBlockUnowned(int holder, Ipa blockIpa, int level, Ipa leafIpa, Pfn pfn, S2Prot prot, KvmMmuMemoryCache? mc)
    {
        RequireLock(holder, LockMode.Read, "kvm_pgtable_stage2_map");
        return Pgt.SplitBlockUnowned(blockIpa, level, leafIpa, pfn, prot, mc);
    }

    /// <summary>Fault-path <c>kvm_pgtable_stage2_relax_perms</c>.</summary>
    public Errno S2RelaxPerms(int holder, Ipa ipa, S2Prot prot, Stage2PageTable? pgt = null)
    {
        RequireLock(holder, LockMode.Read, "kvm_pgtable_stage2_relax_perms");
        var table = pgt ?? Pgt;
        var r = table.RelaxPerms(ipa, prot);
        if (r == Errno.Ok) Oracle.Stage2Relaxed(table, ipa, prot, mkyoung: false);
        return r;
    }

    /// <summary><c>kvm_pgtable_stage2_mkyoung</c> from <c>handle_access_fault</c>.</summary>
    public Errno S2Mkyoung(int holder, Ipa ipa, Stage2PageTable? pgt = null)
    {
        RequireLock(holder, LockMode.Read, "kvm_pgtable_stage2_mkyoung");
        var table = pgt ?? Pgt;
        var r = table.Mkyoung(ipa);
        if (r == Errno.Ok) Oracle.Stage2Relaxed(table, ipa, S2Prot.None, mkyoung: true);
        return r;
    }

    /// <summary><c>kvm_stage2_unmap_range</c>: write lock.</summary>
    public void S2Unmap(int holder, Ipa ipa, ulong size)
    {
        RequireLock(holder, LockMode.Write, "kvm_pgtable_stage2_unmap");
        UnmapStage2Range(ipa, size);
        NestedS2Unmap();
    }

    /// <summary><c>kvm_stage2_wp_range</c>: write lock.</summary>
    public void S2WrProtect(int holder, Ipa ipa, ulong size)
    {
        RequireLock(holder, LockMode.Write, "kvm_pgtable_stage2_wrprotect");
        Pgt.WrProtect(ipa, size);
        // kvm_nested_s2_wp: every shadow MMU is write-protected wholesale.
        foreach (var v in Vcpus) v.Nested?.Shadow.WrProtect(default, v.Nested.Shadow.IpaSize);
    }

    /// <summary><c>kvm_mmu_split_huge_pages</c>: write lock.</summary>
    public Errno S2Split(int holder, Ipa ipa, ulong size, KvmMmuMemoryCache cache)
    {
        RequireLock(holder, LockMode.Write, "kvm_pgtable_stage2_split");
        Oracle.SplitStarting(ipa, size, cache);
        var pages = KvmOracle.TablePages(Pgt, cache);
        var r = Pgt.Split(ipa, size, cache);
        Oracle.TablePagesWalked("kvm_pgtable_stage2_split", Pgt, cache, pages, r);
        Oracle.SplitFinished();
        return r;
    }

    /// <summary><c>kvm_age_gfn</c>: <c>test_clear_young</c> with mkold under the write lock.</summary>
    public bool S2AgeRange(int holder, Ipa ipa, ulong size)
    {
        RequireLock(holder, LockMode.Write, "kvm_age_gfn");
        return Pgt.TestClearYoung(ipa, size, mkold: true);
    }

    /// <summary>
    /// <c>mmu_invalidate_retry</c>: the fault's retry check, which the kernel may only make with <c>mmu_lock</c> held —
    /// it is what orders the check against <c>kvm_mmu_invalidate_begin</c>/<c>_end</c> (both under the write lock).
    /// </summary>
    public bool MmuInvalidateRetry(int holder, ulong mmuSeq)
    {
        RequireLock(holder, LockMode.Read, "mmu_invalidate_retry");
        var retry = Bugs.IsOn(RetryIgnoresInProgress.Name) ? RetryIgnoresInProgress.SequenceOnlyRetry(Notifier, mmuSeq) : Notifier.Retry(mmuSeq);
        if (retry) RetryCauses.Count(Notifier, mmuSeq);
        return retry;
    }

    private void RequireLock(int holder, LockMode needed, string what)
    {
        LockChecker.Took(needed == LockMode.Write ? KernelLocks.MmuWrite : KernelLocks.MmuRead);
        var held = MmuLock.ModeOf(holder);
        if (held == LockMode.Write || held == needed) return;
        Oracle.Report(ViolationKind.LockViolation, $"{what} by #{holder} holding mmu_lock {held.ToString().ToLowerInvariant()}, needs {needed.ToString().ToLowerInvariant()}");
    }

    // --- MMU notifier (kvm_main.c) ------------------------------------------------------------------

    /// <summary>
    /// <c>kvm_mmu_notifier_invalidate_range_start</c> after <c>mn_active_invalidate_count++</c>: under the write
    /// lock, for every memslot intersecting the HVA range: begin on the first, add the gfn range, unmap it.
    /// Nothing happens to the sequence or stage 2 when no slot intersects.
    /// </summary>
    public void InvalidateRangeStart(int holder, Hva start, Hva end)
    {
        RequireLock(holder, LockMode.Write, "kvm_mmu_invalidate_begin");
        _activeInvalidations.Add((holder, start, end));
        var first = true;
        var slots = Memslots.Slots;
        for (var i = 0; i < slots.Count; i++) // by index, as below: this runs for every host change and CoW break
        {
            if (!Intersects(slots[i], start, end, out var gs, out var ge)) continue;
            if (first) Notifier.InvalidateBegin();
            first = false;
            Notifier.InvalidateRangeAdd(gs, ge);
            // kvm_unmap_gfn_range -> __unmap_stage2_range. Not for a protected VM: its memory is outside the MMU notifier
            // (the host must not change a protected stage 2); the long-term pin of pkvm_mem_abort keeps each page.
            if (!Config.Protected) UnmapStage2Range(gs.ToIpa(), (ge - gs) << Sizes.PageShift);
        }
        if (first) Oracle.Reach.Hit(ReachPoint.InvalidationNoSlot);
        else if (Notifier.MmuInvalidateInProgress > 1) Oracle.Reach.Hit(ReachPoint.InvalidationConcurrent);
        // kvm_unmap_gfn_range -> kvm_nested_s2_unmap, once some slot was hit.
        if (!first) NestedS2Unmap();
        Oracle.TouchHva(start, end);
    }

    /// <summary><c>kvm_mmu_notifier_invalidate_range_end</c>: seq++ then in-progress−1 if any slot intersects.</summary>
    public void InvalidateRangeEnd(int holder, Hva start, Hva end)
    {
        RequireLock(holder, LockMode.Write, "kvm_mmu_invalidate_end");
        var slots = Memslots.Slots;
        for (var i = 0; i < slots.Count; i++)
        {
            if (!Intersects(slots[i], start, end, out _, out _)) continue;
            Notifier.InvalidateEnd();
            break;
        }
        for (var i = _activeInvalidations.Count - 1; i >= 0; i--)
            if (_activeInvalidations[i] == (holder, start, end)) _activeInvalidations.RemoveAt(i);
        Oracle.TouchHva(start, end);
    }

    /// <summary><c>__unmap_stage2_range</c> on the canonical stage 2, with the oracle told before and checking after.</summary>
    private void UnmapStage2Range(Ipa ipa, ulong size)
    {
        Oracle.Unmapping(ipa, size);
        var pages = KvmOracle.TablePages(Pgt, null);
        Pgt.Unmap(ipa, size);
        Oracle.TablePagesWalked("kvm_pgtable_stage2_unmap", Pgt, null, pages, Errno.Ok);
        Oracle.CheckUnmapped(ipa, size);
        Oracle.CheckUnmappedTables(Pgt, ipa, size);
    }

    /// <summary>
    /// <c>kvm_nested_s2_unmap</c>: a shadow MMU is keyed by L2 IPA and has no reverse map to L1 IPAs, so any unmap of the
    /// canonical stage 2 (HVA notifier, memslot flush) unmaps every shadow MMU wholesale. Caller holds the write lock.
    /// </summary>
    private void NestedS2Unmap()
    {
        foreach (var v in Vcpus) v.Nested?.Shadow.Unmap(default, v.Nested.Shadow.IpaSize);
    }

    /// <summary>True when <paramref name="slot"/>'s HVA range intersects [start, end), with the clipped gfn range (<c>__kvm_handle_hva_range</c>).</summary>
    private static bool Intersects(Memslot slot, Hva start, Hva end, out Gfn gs, out Gfn ge)
    {
        var s = start > slot.UserspaceAddr ? start : slot.UserspaceAddr;
        var e = end < slot.UserspaceEnd ? end : slot.UserspaceEnd;
        (gs, ge) = s < e ? (slot.HvaToGfn(s), slot.HvaToGfn(e + (Sizes.PageSize - 1))) : default;
        return s < e;
    }

    /// <summary>True when an in-progress host invalidation covers <paramref name="hva"/>.</summary>
    public bool InvalidationCovers(Hva hva)
    {
        foreach (var (_, s, e) in _activeInvalidations) if (hva >= s && hva < e) return true;
        return false;
    }
}
