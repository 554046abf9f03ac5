using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Stage2;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Oracle;

/// <summary>
/// General rules checked where the kernel makes a promise (an unmap, a write-protect, a split, a pre-fault, a map), so a
/// mistake nobody catalogued breaks one of them whichever switch is on or off. Section 11 of the kernel fault-path notes
/// gives the invariants; each method names the kernel function whose promise it checks.
/// </summary>
public sealed partial class KvmOracle
{
    private const int IcacheRegionPages = 512;
    private readonly Dictionary<ulong, ulong[]> _icacheInvalidated = []; // 2M pfn region -> pages icache_inval_pou covered
    private readonly Dictionary<int, PreFaultWatch> _preFaults = [];

    /// <summary>What the oracle remembers of a <c>KVM_PRE_FAULT_MEMORY</c> in flight.</summary>
    private sealed class PreFaultWatch
    {
        public ulong LastNext;
        public int FaultsSeen;
        public int Leaves; // steps that advanced the range: kvm_arch_vcpu_pre_fault_memory calls that made progress
        public (Errno Ret, ulong Gpa)? FaultEnded; // its synthetic fault that ended since the last step
        public readonly List<(ulong Start, ulong End)> Exempt = []; // IPA ranges a retry or an unmap excuses
        public readonly List<(ulong Start, ulong End)> Aged = []; // IPA ranges made old (aging) since it started
    }

    // --- unmap (kvm_unmap_gfn_range, kvm_arch_flush_shadow_memslot) ----------------------------------------------

    /// <summary>
    /// <c>__unmap_stage2_range</c> of [<paramref name="ipa"/>, +<paramref name="size"/>) is about to run (an invalidation or a
    /// memslot flush): a page a pre-fault already processed there may legitimately be unmapped when it returns.
    /// </summary>
    public void Unmapping(Ipa ipa, ulong size)
    {
        Reach.CountPartialBlocks(_kvm.Pgt, ipa, size);
        foreach (var w in _preFaults.Values) w.Exempt.Add((ipa.Value, ipa.Value + size));
    }

    /// <summary>
    /// A leaf left the stage 2 by any path — an unmap, or <c>stage2_map_walk_leaf</c> replacing a block with an empty table
    /// for a smaller concurrent fault ("accesses beyond 'end' that fall within the new table will be mapped lazily"): the
    /// pages of a pre-fault in flight that it covered may legitimately be unmapped when the ioctl returns.
    /// </summary>
    private void PreFaultLeafRemoved(in S2Leaf leaf)
    {
        foreach (var w in _preFaults.Values) w.Exempt.Add((leaf.Ipa.Value, leaf.Ipa.Value + leaf.Size));
    }

    /// <summary>
    /// Rule <c>leaf-in-invalidated-range</c>, at the moment the unmap returns: <c>kvm_pgtable_stage2_unmap</c> removes every
    /// leaf intersecting the range — a block entirely, whatever its memory type (Normal, Device, Normal-NC) — so none is left.
    /// </summary>
    public void CheckUnmapped(Ipa ipa, ulong size)
    {
        _scratch.Clear();
        _kvm.Pgt.CollectLeaves(ipa, size, _scratch);
        foreach (var leaf in _scratch)
            Report(ViolationKind.LeafInInvalidatedRange, $"leaf {Describe(leaf)} survived the unmap of {ipa}+{Sizes.Format(size)}", leaf.Ipa.Value, 7);
    }

    /// <summary>
    /// Rule <c>leaf-in-invalidated-range</c> between range-start and range-end: the range-start unmapped the range, and every
    /// fault retries while <c>mmu_invalidate_in_progress</c> is raised (arm64 is range-blind), so no leaf may intersect it
    /// until range-end. Not for a protected VM, whose memory the notifier does not unmap.
    /// </summary>
    private void CheckNotInInvalidation(in S2Leaf leaf, Memslot slot)
    {
        if (_kvm.Config.Protected || _kvm.ActiveInvalidations.Count == 0) return;
        var hva = slot.IpaToHva(leaf.Ipa).Value;
        var end = hva + leaf.Size;
        foreach (var (_, s, e) in _kvm.ActiveInvalidations)
        {
            var ps = s.Value & ~(Sizes.PageSize - 1);
            var pe = (e.Value + Sizes.PageSize - 1) & ~(Sizes.PageSize - 1);
            if (hva >= pe || end <= ps) continue;
            Report(ViolationKind.LeafInInvalidatedRange, $"leaf {Describe(leaf)} maps {new Hva(hva)} while an invalidation of {s}..{e} is in progress", leaf.Ipa.Value, 7);
            return;
        }
    }

    // --- write-protect (kvm_mmu_wp_memory_region, kvm_arch_mmu_enable_log_dirty_pt_masked) -------------------------

    /// <summary>
    /// Rule <c>writable-after-wrprotect</c> for logging enable: <c>kvm_mmu_wp_memory_region</c> write-protects the whole slot
    /// under the write lock, so when it returns no leaf of the slot is writable. Called with the lock still held.
    /// </summary>
    public void LoggingWriteProtected(Memslot slot)
    {
        Reach.Hit(ReachPoint.LoggingWriteProtect);
        _scratch.Clear();
        _kvm.Pgt.CollectLeaves(slot.Gpa, slot.Size, _scratch);
        foreach (var leaf in _scratch)
            if ((leaf.Prot & S2Prot.W) != 0)
                Report(ViolationKind.WritableAfterWrprotect, $"leaf {Describe(leaf)} is writable after logging was enabled on {slot}", leaf.Ipa.Value, 8);
    }

    /// <summary>
    /// Rules <c>writable-after-wrprotect</c> and <c>block-after-eager-split</c> for <c>KVM_GET_DIRTY_LOG</c> /
    /// <c>KVM_CLEAR_DIRTY_LOG</c>: every page whose dirty bit the ioctl cleared is write-protected in the same write-locked
    /// section (<c>kvm_arch_mmu_enable_log_dirty_pt_masked</c>), and with manual-protect-and-initially-set plus eager split
    /// the blocks there are split (the split cache runs dry only when the page allocator fails). Called with the lock still held.
    /// </summary>
    public void DirtyLogProtected(Memslot slot, IReadOnlyList<ulong> pages)
    {
        var split = _kvm.Config.ManualProtectAndInitSet && _kvm.Config.EagerSplitChunk != 0 && !SplitCacheMayFail;
        foreach (var p in pages)
        {
            var ipa = (slot.BaseGfn + p).ToIpa();
            var walk = _kvm.Pgt.GetLeaf(ipa);
            if (!walk.Valid) continue;
            if ((walk.Leaf.Prot & S2Prot.W) != 0)
                Report(ViolationKind.WritableAfterWrprotect, $"leaf {Describe(walk.Leaf)} is writable after the dirty log of {slot} harvested page {p}", walk.Leaf.Ipa.Value, 8);
            if (split && walk.Leaf.IsBlock)
                Report(ViolationKind.BlockAfterEagerSplit, $"block {Describe(walk.Leaf)} is left after the dirty-log clear of {slot} split page {p}", walk.Leaf.Ipa.Value, 9);
        }
    }

    /// <summary>
    /// Rule <c>dirty-page-not-harvested</c>, for every <c>KVM_GET_DIRTY_LOG</c> / <c>KVM_CLEAR_DIRTY_LOG</c> over
    /// [<paramref name="first"/>, +<paramref name="count"/>) pages of <paramref name="slot"/>: each page the guest wrote
    /// since logging started, and no earlier harvest reported, is in <paramref name="reported"/> — unless a fault that
    /// installed its writable leaf has not marked it yet (it marks after dropping <c>mmu_lock</c>; the next harvest must
    /// report it). <paramref name="reported"/> is ascending, as every harvest builds it. <paramref name="cleared"/>: the ioctl cleared what it reported (all but a manual-protect GET).
    /// </summary>
    public void DirtyLogHarvested(Memslot slot, ulong first, ulong count, List<ulong> reported, bool cleared)
    {
        if (!_loggedWrites.TryGetValue(slot.Id, out var logged)) return;
        if (!ReferenceEquals(logged.Bitmap, slot.DirtyBitmap)) { _loggedWrites.Remove(slot.Id); return; }
        _pageScratch.Clear();
        foreach (var p in logged.Pages) if (p >= first && p - first < count) _pageScratch.Add(p);
        _pageScratch.Sort();
        foreach (var p in _pageScratch)
        {
            if (reported.BinarySearch(p) >= 0) { if (cleared) logged.Pages.Remove(p); continue; }
            if (PendingDirty(slot, slot.BaseGfn + p)) continue;
            var ipa = (slot.BaseGfn + p).ToIpa();
            Report(ViolationKind.DirtyPageNotHarvested, $"page {ipa} written by the guest while {slot} logged is missing from the dirty log harvested over pages [{first}, {first + count})", ipa.Value, 10);
            logged.Pages.Remove(p);
        }
    }

    /// <summary>
    /// Rule <c>block-after-eager-split</c> for logging enable: <c>kvm_mmu_split_memory_region</c> over the slot leaves no
    /// block leaf in it (checked when the memslot update returns, see <see cref="CheckMemslotUpdate"/>).
    /// </summary>
    public void EagerSplitDone(Memslot slot) => NoBlockLeft(slot.Gpa, slot.Size, $"eager split of logging {slot}");

    // --- maps and the I-cache (user_mem_abort, stage2_map_walker_try_leaf, stage2_attr_walker) ---------------------

    /// <summary>
    /// Rules checked when a fault maps or relaxes: <c>map-during-invalidation</c> (the map happens in the same read-locked
    /// section as a passed <c>mmu_invalidate_retry</c>, so nothing is in progress and the sequence still equals the
    /// snapshot; not pKVM, whose protected memory is outside the notifier) and <c>exec-without-exec-fault</c>
    /// (<c>kvm_s2_fault_compute_prot</c> adds X only for an exec fault unless <c>ARM64_HAS_CACHE_DIC</c>).
    /// </summary>
    private void CheckFaultMapRules(int holder, in GuestAbort abort, KvmS2Fault state)
    {
        var n = _kvm.Notifier;
        if (!_kvm.Config.Protected && (n.MmuInvalidateInProgress != 0 || n.MmuInvalidateSeq != state.MmuSeq))
            Report(ViolationKind.MapDuringInvalidation,
                $"fault #{holder} mapped {state.FaultIpa} with mmu_invalidate_in_progress {n.MmuInvalidateInProgress}, seq {n.MmuInvalidateSeq} (snapshot {state.MmuSeq})",
                state.FaultIpa.Value, 10);
        if (!_kvm.Config.CacheDic && !_kvm.Config.Protected && (state.Prot & S2Prot.X) != 0 && state.Prot.MemType() == MemType.Normal && !abort.Esr.IsExecFault)
            Report(ViolationKind.ExecWithoutExecFault, $"fault #{holder} made {state.FaultIpa} executable on a non-exec fault without CACHE_DIC", state.FaultIpa.Value, 11);
    }

    /// <inheritdoc/>
    public void IcacheInvalPou(Pfn pfn, ulong size)
    {
        for (ulong i = 0; i < size / Sizes.PageSize; i++)
        {
            var p = pfn.Value + i;
            if (!_icacheInvalidated.TryGetValue(p / IcacheRegionPages, out var bits))
                _icacheInvalidated[p / IcacheRegionPages] = bits = new ulong[IcacheRegionPages / 64];
            bits[p % IcacheRegionPages / 64] |= 1UL << (int)(p % 64);
        }
        Reach.Hit(ReachPoint.IcacheInvalPou);
    }

    /// <summary>
    /// A page was written other than through an executable stage-2 leaf (the guest through a non-executable one, or the
    /// host): instructions fetched from it may be stale until <c>icache_inval_pou</c> runs again. A write through an
    /// executable leaf is the guest's own business (it must invalidate itself, as on bare metal).
    /// </summary>
    private void IcacheStale(Pfn pfn)
    {
        if (_icacheInvalidated.TryGetValue(pfn.Value / IcacheRegionPages, out var bits))
            bits[pfn.Value % IcacheRegionPages / 64] &= ~(1UL << (int)(pfn.Value % 64));
    }

    /// <summary>True when a stage-2 leaf maps the page behind <paramref name="hva"/> executable (in any slot mapping it).</summary>
    private bool MappedExecutable(Hva hva)
    {
        var slots = _kvm.Memslots.Slots;
        for (var i = 0; i < slots.Count; i++) // by index, as TouchHva: a foreach over the interface allocates its enumerator
        {
            var slot = slots[i];
            if (hva >= slot.UserspaceAddr && hva < slot.UserspaceEnd
                && _kvm.Pgt.GetLeaf(slot.Gpa + (hva - slot.UserspaceAddr)) is { Valid: true } w && (w.Leaf.Prot & S2Prot.X) != 0)
                return true;
        }
        return false;
    }

    /// <summary>
    /// Rule <c>icache-not-invalidated</c>: a Normal leaf that becomes executable (installed with X, or X added by a relax)
    /// without <c>ARM64_HAS_CACHE_DIC</c> covers only pages whose I-cache <c>icache_inval_pou</c> invalidated since they were
    /// allocated (pfns are never reused) and last written other than through an executable leaf (<see cref="IcacheStale"/>):
    /// the map or relax that made a page executable did it (<c>stage2_map_walker_try_leaf</c>, <c>stage2_attr_walker</c>),
    /// or — for the pages of a block that eager split turned into a table (<c>KVM_PGTABLE_WALK_SKIP_CMO</c>) — the map that
    /// made the block executable.
    /// </summary>
    private void CheckBecameExecutable(in S2Leaf leaf)
    {
        if (_kvm.Config.CacheDic || (leaf.Prot & S2Prot.X) == 0 || leaf.MemType != MemType.Normal) return;
        for (ulong i = 0; i < leaf.Size / Sizes.PageSize; i++)
        {
            var p = leaf.Pfn.Value + i;
            if (_icacheInvalidated.TryGetValue(p / IcacheRegionPages, out var bits) && (bits[p % IcacheRegionPages / 64] & (1UL << (int)(p % 64))) != 0) continue;
            Report(ViolationKind.IcacheNotInvalidated, $"leaf {Describe(leaf)} is executable but the I-cache of {new Pfn(p)} was never invalidated", leaf.Ipa.Value, 12);
            return;
        }
    }

    // --- KVM_PRE_FAULT_MEMORY (kvm_vcpu_pre_fault_memory, kvm_arch_vcpu_pre_fault_memory) -------------------------

    /// <summary>
    /// One step of an activity ended (<see cref="Activity.Step"/>): follows pre-faults, counts what finished for the
    /// reachability report and checks the ioctls that returned.
    /// </summary>
    public void Stepped(Activity a, in StepResult r)
    {
        if (r.Status == StepStatus.Blocked) return;
        if (a is PreFaultMemory pf) FollowPreFault(pf, r.Status == StepStatus.Done);
        if (r.Status != StepStatus.Done) return;
        Reach.Finished(a, _kvm, r.Phase);
        IoctlReturned(a);
    }

    /// <summary>
    /// Rule <c>prefault-range-unmapped</c>: when the ioctl returns, every page of the range it advanced over is mapped in the
    /// canonical stage 2 — by the synthetic fault's map, or by the leaf it found — except a chunk whose fault retried (a retry
    /// counts as progress of <c>PAGE_SIZE</c> with nothing mapped) and pages whose leaf left since — an unmap, or a block
    /// replaced by an empty table for a smaller concurrent fault (KVM never promises
    /// they stay). Memslots cannot be flushed under it: the ioctl holds SRCU throughout.
    /// </summary>
    private void FollowPreFault(PreFaultMemory pf, bool done)
    {
        if (!_preFaults.TryGetValue(pf.Id, out var w)) _preFaults[pf.Id] = w = new PreFaultWatch { LastNext = pf.Gpa.Value };
        if (pf.Faults.Count > w.FaultsSeen)
        {
            if (pf.Faults[^1] == FaultResult.Retry) w.Exempt.Add((w.LastNext, pf.NextGpa.Value));
            w.FaultsSeen = pf.Faults.Count;
        }
        if (pf.NextGpa.Value != w.LastNext) w.Leaves++;
        w.LastNext = pf.NextGpa.Value;
        CheckPreFaultStep(pf, w, done);
        if (!done) return;
        _preFaults.Remove(pf.Id);
        if (pf.Processed > 0) Reach.Hit(pf.Gpa.IsAligned(Sizes.PmdSize) ? ReachPoint.PreFaultAligned : ReachPoint.PreFaultUnaligned);
        for (var a = pf.Gpa.Value; a < pf.NextGpa.Value; a += Sizes.PageSize)
        {
            if (_kvm.Pgt.GetLeaf(new Ipa(a)).Valid || InAny(w.Exempt, a)) continue;
            Report(ViolationKind.PrefaultRangeUnmapped, $"KVM_PRE_FAULT_MEMORY #{pf.Id} processed {pf.Gpa}+{Sizes.Format(pf.Processed)} but {new Ipa(a)} is not mapped", a, 13);
            return;
        }
    }

    private static bool InAny(List<(ulong Start, ulong End)> ranges, ulong ipa)
    {
        foreach (var (s, e) in ranges) if (ipa >= s && ipa < e) return true;
        return false;
    }
}
