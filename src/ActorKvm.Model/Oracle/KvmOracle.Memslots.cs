using System.Runtime.CompilerServices;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Oracle;

/// <summary>
/// Rules on the memslot and dirty-log ioctls, checked when one returns against an independent restatement of what the
/// kernel promises: <c>memslot-ioctl-mismatch</c> (<c>kvm_set_memory_region</c>), <c>dirty-log-mismatch</c>
/// (<c>kvm_get_dirty_log_protect</c>, <c>kvm_clear_dirty_log_protect</c>) and <c>block-after-eager-split</c> for the
/// split of <c>kvm_arch_commit_memory_region</c>. The restatements use their own scans (no binary search, no bitmap
/// words), so a slip in the model's lookups or word arithmetic disagrees with them.
/// </summary>
public sealed partial class KvmOracle
{
    private readonly Dictionary<int, MemslotSet> _memslotUpdateBefore = []; // update id -> the set it validated against
    private readonly ConditionalWeakTable<DirtyBitmap, DirtyShadow> _dirtyShadows = new();
    private readonly ConditionalWeakTable<DirtyBitmap, object> _bitmapOwners = new(); // bitmap -> the slot id it was given to

    /// <summary>The oracle's own copy of a dirty bitmap: which pages' bits are set, from the marks and harvests it saw.</summary>
    private sealed class DirtyShadow(ulong pages, bool allSet)
    {
        public readonly ulong Pages = pages;
        public readonly bool AllSet = allSet;           // KVM_DIRTY_LOG_INITIALLY_SET: every bit starts set
        public readonly HashSet<ulong> Flipped = [];    // pages whose bit differs from the initial value

        public bool IsSet(ulong p) => p < Pages && AllSet != Flipped.Contains(p);
        public void Mark(ulong p) { if (AllSet) Flipped.Remove(p); else Flipped.Add(p); }
        public void Clear(ulong p) { if (AllSet) Flipped.Add(p); else Flipped.Remove(p); }

        /// <summary>Set bits in [first, first + count).</summary>
        public ulong CountSet(ulong first, ulong count)
        {
            var end = Math.Min(Pages, first + count);
            if (end <= first) return 0;
            ulong flipped = 0;
            foreach (var p in Flipped) if (p >= first && p < end) flipped++;
            return AllSet ? end - first - flipped : flipped;
        }
    }

    /// <summary>An activity is about to step: remember the memslot set a memslot update validates against, and whether an mmap's range is in use.</summary>
    public void Stepping(Activity a)
    {
        if (a is MemslotUpdate u && !u.IsDone) _memslotUpdateBefore.TryAdd(u.Id, _kvm.Memslots);
        else if (a is Notifier.HostMmap m) MmapStepping(m);
    }

    /// <summary><c>mark_page_dirty_in_slot</c> set the bit of page <paramref name="offset"/> in <paramref name="slot"/>'s bitmap.</summary>
    public void DirtyMarked(Memslot slot, ulong offset)
    {
        if (slot.DirtyBitmap is { } b) ShadowOf(b, slot).Mark(offset);
    }

    /// <summary>
    /// The shadow of a bitmap; a bitmap first seen is new: <c>kvm_alloc_dirty_bitmap</c> sets every bit when
    /// <c>kvm_dirty_log_manual_protect_and_init_set</c>, none otherwise.
    /// </summary>
    private DirtyShadow ShadowOf(DirtyBitmap b, Memslot slot) =>
        _dirtyShadows.GetValue(b, _ => new DirtyShadow(slot.NPages, _kvm.Config.ManualProtectAndInitSet));

    /// <summary>An ioctl or a VMM call returned: checks the memslot, dirty-log, host-result and <c>mte_sync_tags</c> rules on it (called once per activity).</summary>
    private void IoctlReturned(Activity a)
    {
        switch (a)
        {
            case MemslotUpdate u when _memslotUpdateBefore.Remove(u.Id, out var before):
                CheckMemslotUpdate(u, before);
                break;
            case DirtyLogIoctl d:
                CheckDirtyLogIoctl(d);
                break;
            case Notifier.HostAccess h:
                CheckHostAccess(h);
                break;
            case Notifier.HostMmap m:
                CheckHostMmap(m);
                break;
            case Notifier.MteSyncTags t:
                CheckMteSyncReturned(t);
                break;
        }
    }

    // --- KVM_SET_USER_MEMORY_REGION ----------------------------------------------------------------------------

    /// <summary>
    /// Rule <c>memslot-ioctl-mismatch</c>: a memslot update returns what <c>kvm_set_memory_region</c>'s checks give for
    /// the request and the slots it saw, a refused one publishes nothing, and an accepted one publishes exactly the
    /// request: the slot with its id at the requested place, size, address and flags (found there by a lookup), or no
    /// slot of that id after a delete; its dirty bitmap is the old one while logging stays on, a new one of the slot's
    /// size when logging starts (<c>kvm_prepare_memory_region</c>), none without logging. Rule
    /// <c>block-after-eager-split</c>: with logging set and no initially-set bitmap, <c>kvm_arch_commit_memory_region</c>
    /// write-protects and splits the whole slot; a split only stops short when the page allocator fails.
    /// </summary>
    private void CheckMemslotUpdate(MemslotUpdate u, MemslotSet before)
    {
        var req = u.Request;
        var (errno, change) = ExpectedMemslotVerdict(req, before);
        if (u.Result != errno || (errno == Errno.Ok && u.Change != change))
        {
            MemslotMismatch(req, $"returned {u.Result.ToScenarioName()} ({u.Change}) where the checks give {errno.ToScenarioName()} ({change})");
            return;
        }
        var now = _kvm.Memslots;
        var alone = _memslotUpdateBefore.Count == 0; // no other update in flight changed the set meanwhile
        if (errno != Errno.Ok || change == MemslotChange.None)
        {
            if (alone && !ReferenceEquals(now, before)) MemslotMismatch(req, "changed the memslots although it changed nothing");
            return;
        }
        var old = before.ById(req.Id);
        if (change == MemslotChange.Delete)
        {
            if (now.ById(req.Id) is not null || now.Find(old!.BaseGfn) is { } left && left.Id == req.Id)
                MemslotMismatch(req, $"left slot {req.Id} in place after deleting it");
            else if (alone && now.Slots.Count != before.Slots.Count - 1)
                MemslotMismatch(req, $"went from {before.Slots.Count} to {now.Slots.Count} slots deleting one");
            return;
        }
        var s = now.ById(req.Id);
        var npages = req.Size >> Sizes.PageShift;
        if (s is null || s.Invalid || s.BaseGfn != Gfn.Of(req.Gpa) || s.NPages != npages || s.UserspaceAddr != req.Hva || s.Flags != req.Flags)
        {
            MemslotMismatch(req, $"published {(s is null ? "no slot" : s.ToString())}");
            return;
        }
        if (!ReferenceEquals(now.Find(s.BaseGfn), s) || !ReferenceEquals(now.Find(s.BaseGfn + (npages - 1)), s))
            MemslotMismatch(req, $"published {s}, which a lookup of its own gfns does not find");
        else if (alone && now.Slots.Count != before.Slots.Count + (change == MemslotChange.Create ? 1 : 0))
            MemslotMismatch(req, $"went from {before.Slots.Count} to {now.Slots.Count} slots for a {change}");
        else if (change == MemslotChange.Move && now.Find(old!.BaseGfn) is { } stale && ReferenceEquals(stale, s) == false && stale.Id == req.Id)
            MemslotMismatch(req, $"left slot {req.Id} at {old.Gpa} after moving it");
        CheckSlotBitmap(req, s, old);
        if (s.IsLogging && !_kvm.Config.ManualProtectAndInitSet && _kvm.Config.EagerSplitChunk != 0 && !SplitCacheMayFail)
            EagerSplitDone(s);
    }

    private void CheckSlotBitmap(MemslotRequest req, Memslot s, Memslot? old)
    {
        var logging = (req.Flags & MemslotFlags.LogDirtyPages) != 0;
        if (!logging)
        {
            if (s.DirtyBitmap is not null) MemslotMismatch(req, $"kept a dirty bitmap on {s}, which does not log");
            return;
        }
        if (s.DirtyBitmap is not { } b)
        {
            MemslotMismatch(req, $"published logging {s} without a dirty bitmap");
            return;
        }
        if (old?.DirtyBitmap is { } ob)
        {
            if (!ReferenceEquals(b, ob)) MemslotMismatch(req, $"replaced the dirty bitmap of {s}, which kept logging: its bits are lost");
            return;
        }
        // Faults may already have marked pages in it (it is published before the update returns): new means no other slot had it.
        if (b.Pages != s.NPages || _bitmapOwners.TryGetValue(b, out var owner) && (int)owner != s.Id)
            MemslotMismatch(req, $"gave {s} a dirty bitmap that is not new or not of its size");
        else _bitmapOwners.AddOrUpdate(b, s.Id);
    }

    /// <summary>
    /// <c>kvm_set_memory_region</c>, <c>check_memory_region_flags</c> and arm64 <c>kvm_arch_prepare_memory_region</c>
    /// restated: each check in the kernel's order, over plain scans of <paramref name="set"/> and of the host's VMAs.
    /// </summary>
    private (Errno, MemslotChange) ExpectedMemslotVerdict(MemslotRequest req, MemslotSet set)
    {
        var gmem = (req.Flags & MemslotFlags.GuestMemfd) != 0;
        if (gmem && (req.Flags & MemslotFlags.LogDirtyPages) != 0) return (Errno.EINVAL, MemslotChange.None);
        if (gmem && (req.Flags & MemslotFlags.ReadOnly) != 0) return (Errno.EINVAL, MemslotChange.None);
        if (((req.Size | req.Gpa.Value | req.Hva.Value) & (Sizes.PageSize - 1)) != 0) return (Errno.EINVAL, MemslotChange.None);
        if ((uint)req.Id >= MemslotValidation.MaxUserSlots) return (Errno.EINVAL, MemslotChange.None);
        var end = unchecked(req.Gpa.Value + req.Size);
        if (end < req.Gpa.Value) return (Errno.EINVAL, MemslotChange.None);
        if ((req.Size >> Sizes.PageShift) > MemslotValidation.MaxNrPages) return (Errno.EINVAL, MemslotChange.None);
        var old = set.ById(req.Id);
        if (req.Size == 0) return old is null ? (Errno.EINVAL, MemslotChange.None) : (Errno.Ok, MemslotChange.Delete);
        MemslotChange change;
        if (old is null) change = MemslotChange.Create;
        else if (gmem || old.HasGmem) return (Errno.EINVAL, MemslotChange.None);
        else if (req.Hva != old.UserspaceAddr || req.Size != old.Size || (req.Flags & MemslotFlags.ReadOnly) != (old.Flags & MemslotFlags.ReadOnly))
            return (Errno.EINVAL, MemslotChange.None);
        else if (req.Gpa != old.Gpa) change = MemslotChange.Move;
        else if (req.Flags != old.Flags) change = MemslotChange.FlagsOnly;
        else return (Errno.Ok, MemslotChange.None);
        if (change != MemslotChange.FlagsOnly && OverlapsAnother(set.Slots, req.Id, req.Gpa.Value, end)) return (Errno.EEXIST, change);
        if (end > _kvm.Config.PhysSize) return (Errno.EFAULT, change);
        var logging = (req.Flags & MemslotFlags.LogDirtyPages) != 0;
        var hvaEnd = req.Hva.Value + req.Size;
        foreach (var vma in _kvm.Mm.Vmas)
        {
            if (vma.Dead || vma.End.Value <= req.Hva.Value || vma.Start.Value >= hvaEnd) continue;
            if (_kvm.Config.Mte && !vma.MteAllowed) return (Errno.EINVAL, change);
            if (vma.IsPfnMap && logging) return (Errno.EINVAL, change);
            if (vma.IsPfnMap && vma.IsCacheable && !_kvm.Config.SupportsCacheablePfnmap && !_kvm.Bugs.IsOn(CacheablePfnmapMappedDevice.Name))
                return (Errno.EINVAL, change);
        }
        return (Errno.Ok, change);
    }

    /// <summary>
    /// <c>kvm_check_memslot_overlap</c> over the slots in address order: from the last slot starting below
    /// <paramref name="end"/> downwards, while slots could still reach <paramref name="start"/> (a bisection on start
    /// addresses, then a walk: the slots are disjoint, so one step back past <paramref name="start"/> is enough).
    /// </summary>
    private static bool OverlapsAnother(IReadOnlyList<Memslot> slots, int id, ulong start, ulong end)
    {
        int lo = 0, hi = slots.Count; // first slot starting at or after end
        while (lo < hi)
        {
            var mid = lo + (hi - lo) / 2;
            if (slots[mid].Gpa.Value < end) lo = mid + 1; else hi = mid;
        }
        for (var i = lo - 1; i >= 0; i--)
        {
            var s = slots[i];
            if (s.Gpa.Value + s.Size <= start) return false;
            if (s.Id != id) return true;
        }
        return false;
    }

    private void MemslotMismatch(MemslotRequest req, string what) =>
        Report(ViolationKind.MemslotIoctlMismatch, $"memslot update {req} {what}", (ulong)(uint)req.Id + 1, req.Gpa.Value);

    // --- KVM_GET_DIRTY_LOG / KVM_CLEAR_DIRTY_LOG ---------------------------------------------------------------

    /// <summary>
    /// Rule <c>dirty-log-mismatch</c>: a dirty-log ioctl returns what its checks give (slot id in range, for CLEAR a
    /// 64-page aligned first page, then a slot with a dirty bitmap, then for CLEAR a range inside the slot whose length is
    /// a multiple of 64 unless it reaches the end), and reports exactly the pages of its range whose bits are set in the
    /// oracle's copy of the bitmap — every <c>mark_page_dirty_in_slot</c> since the bit was last harvested, plus the
    /// initially-set bits never harvested — then clears them unless it is a manual-protect GET. Reporting a clean page
    /// costs a migration a copy; leaving out a dirty one loses guest data.
    /// </summary>
    private void CheckDirtyLogIoctl(DirtyLogIoctl d)
    {
        var slot = _kvm.Memslots.ById(d.SlotId);
        var errno = ExpectedDirtyLogErrno(d, slot);
        if (d.Result != errno)
        {
            DirtyLogMismatch(d, $"returned {d.Result.ToScenarioName()} where the checks give {errno.ToScenarioName()}");
            return;
        }
        if (errno != Errno.Ok) return;
        var shadow = ShadowOf(slot!.DirtyBitmap!, slot);
        var (first, count) = d.IsClear ? (d.First, d.Count) : (0UL, slot.NPages);
        ulong last = 0;
        var any = false;
        foreach (var p in d.Pages)
        {
            if (p < first || p - first >= count || !shadow.IsSet(p) || (any && p <= last))
            {
                DirtyLogMismatch(d, $"reported page {p}, which is {(shadow.IsSet(p) ? "out of its range or repeated" : "clean")}");
                return;
            }
            last = p;
            any = true;
        }
        if (shadow.CountSet(first, count) != (ulong)d.Pages.Count)
        {
            DirtyLogMismatch(d, $"reported {d.Pages.Count} of the {shadow.CountSet(first, count)} dirty pages in [{first}, {first + count})");
            return;
        }
        if (d.IsClear || !_kvm.Config.ManualDirtyProtect)
            foreach (var p in d.Pages) shadow.Clear(p);
    }

    private static Errno ExpectedDirtyLogErrno(DirtyLogIoctl d, Memslot? slot)
    {
        if ((uint)d.SlotId >= MemslotValidation.MaxUserSlots) return Errno.EINVAL;
        if (d.IsClear && d.First % 64 != 0) return Errno.EINVAL;
        if (slot is null || slot.Invalid || slot.DirtyBitmap is null) return Errno.ENOENT;
        if (!d.IsClear) return Errno.Ok;
        var pages = slot.NPages;
        if (d.First > pages || d.Count > pages - d.First) return Errno.EINVAL;
        return d.Count < pages - d.First && d.Count % 64 != 0 ? Errno.EINVAL : Errno.Ok;
    }

    private void DirtyLogMismatch(DirtyLogIoctl d, string what) =>
        Report(ViolationKind.DirtyLogMismatch, $"{(d.IsClear ? "KVM_CLEAR_DIRTY_LOG" : "KVM_GET_DIRTY_LOG")} #{d.Id} of slot {d.SlotId} {what}", (ulong)d.Id + 1, 17);

    // --- eager split ---------------------------------------------------------------------------------------------

    /// <summary>The split cache can run dry only when the page allocator fails (or the model's zero-capacity knob).</summary>
    private bool SplitCacheMayFail => _kvm.SplitPageCache.FailAllocations || _kvm.SplitPageCache.Capacity == 0;

    private void NoBlockLeft(Ipa start, ulong size, string after)
    {
        _scratch.Clear();
        _kvm.Pgt.CollectLeaves(start, size, _scratch);
        foreach (var leaf in _scratch)
            if (leaf.IsBlock)
            {
                Report(ViolationKind.BlockAfterEagerSplit, $"block {Describe(leaf)} is left after the {after}", leaf.Ipa.Value, 9);
                return;
            }
    }
}
