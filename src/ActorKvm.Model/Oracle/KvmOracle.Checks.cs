using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Stage2;

namespace ActorKvm.Model.Oracle;

public sealed partial class KvmOracle
{
    /// <summary>Checks the leaves in every range touched since the last check (run after every step).</summary>
    public void Check()
    {
        CheckShadows();
        if (_touchedAll)
        {
            _touchedAll = false;
            _touched.Clear();
            CheckRange(0, _kvm.Pgt.IpaSize);
            return;
        }
        // Checking never touches, so the list is stable while we walk it.
        for (var i = 0; i < _touched.Count; i++) CheckRange(_touched[i].Start, _touched[i].End);
        _touched.Clear();
    }

    /// <summary>Checks every leaf of the VM.</summary>
    public void CheckAll()
    {
        _touched.Clear();
        _touchedAll = false;
        CheckRange(0, _kvm.Pgt.IpaSize);
        CheckShadows();
        // Structural check (whole-table walk, so only here): every live table page is linked in.
        var live = _kvm.Pgt.LiveTablePages;
        var reachable = _kvm.Pgt.CountReachableTables();
        if (live != reachable)
            Report(ViolationKind.LeakedTablePage, $"{live - reachable} stage-2 table page(s) neither reachable nor freed", 1, (ulong)(live - reachable));
        CheckTablePagesAtRest();
    }

    /// <summary>Every check that holds once nothing is in flight (the end of a run): <see cref="CheckAll"/>, <see cref="CheckReferencesPut"/>, <see cref="CheckSrcuLeft()"/>, <see cref="CheckPinsAccounted"/> and <see cref="CheckInvalidationsEnded"/>.</summary>
    public void CheckAtRest()
    {
        CheckAll();
        CheckReferencesPut();
        CheckSrcuLeft();
        CheckPinsAccounted();
        CheckInvalidationsEnded();
    }

    /// <summary>
    /// At the end of a run, with nothing in flight: every GUP reference taken on a folio was put again
    /// (<c>kvm_release_faultin_page</c>, <c>put_page</c> after <c>mte_sync_tags</c>). Counted by the host itself, so a path
    /// that skips the put is caught even where the fault's own bookkeeping (<see cref="PageReleased"/>) was kept; a leaked
    /// reference keeps the folio from migration, split and reclaim for ever. Long-term pins (pKVM) are not GUP references.
    /// </summary>
    public void CheckReferencesPut()
    {
        if (_kvm.Mm.GupRefsHeld != 0)
            Report(ViolationKind.PageRefLeak, $"{_kvm.Mm.GupRefsHeld} GUP page reference(s) still held with nothing in flight");
    }

    private void CheckRange(ulong start, ulong end)
    {
        _scratch.Clear();
        _kvm.Pgt.CollectLeaves(new Ipa(start), end - start, _scratch);
        foreach (var leaf in _scratch) CheckLeaf(leaf);
    }

    private void CheckLeaf(in S2Leaf leaf)
    {
        // Invariant 19: every canonical leaf is readable (only a shadow leaf may lack R, when L1 denies it).
        if ((leaf.Prot & S2Prot.R) == 0) Report(ViolationKind.UnreadableLeaf, $"leaf {Describe(leaf)} is not readable", leaf.Ipa.Value, 14);
        var slot = _kvm.Memslots.Find(Gfn.Of(leaf.Ipa));
        if (slot is not null) CheckNotInInvalidation(leaf, slot);
        if (slot is null || slot.Invalid || !slot.Contains(Gfn.Of(leaf.Ipa + (leaf.Size - 1))))
        {
            // Invariant 7a: between publishing the invalid slot and the end of the flush, leaves may linger.
            if (slot is not null && _flushPending.Contains(slot.Id)) return;
            Report(ViolationKind.OutsideMemslot, $"leaf {Describe(leaf)} is not inside one active memslot", leaf.Ipa.Value, leaf.Pfn.Value);
            return;
        }

        var hva = slot.IpaToHva(leaf.Ipa);
        if (leaf.IsBlock)
        {
            var pages = leaf.Size / Sizes.PageSize;
            if (!hva.IsAligned(leaf.Size) || (leaf.Pfn.Value & (pages - 1)) != 0)
                Report(ViolationKind.MisalignedBlock, $"block {Describe(leaf)} at {hva} is not aligned to its size", leaf.Ipa.Value, leaf.Pfn.Value);
        }

        if (_kvm.Config.Protected)
        {
            CheckPinned(leaf);
            return;
        }
        if (slot.HasGmem)
        {
            CheckGmemPfns(leaf, hva);
            return;
        }
        var vma = _kvm.Mm.FindVma(hva);
        CheckHostPfns(leaf, slot, hva);
        if (vma is null) return;
        CheckMemType(leaf, vma);
        if (leaf.IsBlock && leaf.Size > MaxBlock(vma, slot, hva) && !_pastVmaEndLeaves.Contains((leaf.Ipa.Value, leaf.Size, leaf.Pfn.Value)))
            Report(ViolationKind.OversizedBlock, $"block {Describe(leaf)} exceeds what {vma} allows", leaf.Ipa.Value, leaf.Pfn.Value);
        CheckLogging(leaf, slot);
    }

    /// <summary>Invariant 17 for protected VMs: every page a leaf maps is held by the long-term pin of <c>pkvm_mem_abort</c>.</summary>
    private void CheckPinned(in S2Leaf leaf)
    {
        var folio = _kvm.Phys.FolioOf(leaf.Pfn);
        if (folio is { PinCount: > 0, Freed: false }) return;
        Report(ViolationKind.StaleMapping, $"protected leaf {Describe(leaf)} maps a page no pin holds", leaf.Ipa.Value, leaf.Pfn.Value);
    }

    /// <summary>Invariant 1 for guest_memfd slots: the leaf maps the file's page (the host page table is not involved).</summary>
    private void CheckGmemPfns(in S2Leaf leaf, Hva hva)
    {
        for (ulong off = 0; off < leaf.Size; off += Sizes.PageSize)
        {
            var have = leaf.Pfn + (off >> Sizes.PageShift);
            if (_kvm.Mm.GmemPfn(hva + off) is { } want && want == have) continue;
            Report(ViolationKind.StaleMapping, $"leaf {Describe(leaf)} maps {have} at {hva + off}, not the guest_memfd page", leaf.Ipa.Value, have.Value);
            return;
        }
    }

    /// <summary>Invariant 1: every page of the leaf maps the pfn the host maps at its HVA, unless an invalidation covering it is in progress.</summary>
    private void CheckHostPfns(in S2Leaf leaf, Memslot slot, Hva hva)
    {
        // The kernel itself installs such a block; it was recorded as a finding when it was mapped.
        if (leaf.IsBlock && _pastVmaEndLeaves.Contains((leaf.Ipa.Value, leaf.Size, leaf.Pfn.Value))) return;
        var end = hva + leaf.Size;
        var a = hva;
        while (a < end)
        {
            ulong step;
            Pfn want;
            var have = leaf.Pfn + ((a - hva) >> Sizes.PageShift);
            if (_kvm.Mm.PageTable.TryGet(a, out var pte))
            {
                want = pte.PfnAt(a);
                step = Math.Min(pte.Start + pte.Size - a, end - a);
                if ((leaf.Prot & S2Prot.W) != 0 && !pte.Writable && want == have && !_kvm.InvalidationCovers(a))
                    Report(ViolationKind.WritableHostReadonly, $"leaf {Describe(leaf)} is writable but the host maps {a} read-only", leaf.Ipa.Value, have.Value);
            }
            else if (_kvm.Mm.FindVma(a) is { IsPfnMap: true } dev)
            {
                want = new Pfn(dev.PageIndexOf(a));
                step = Sizes.PageSize;
            }
            else
            {
                if (!_kvm.InvalidationCovers(a))
                    Report(ViolationKind.StaleMapping, $"leaf {Describe(leaf)} maps {have} at {a}, which the host no longer maps", leaf.Ipa.Value, have.Value);
                return;
            }
            // A run of host pages is contiguous: comparing its first page is enough.
            if (want != have && !_kvm.InvalidationCovers(a))
            {
                Report(ViolationKind.StaleMapping, $"leaf {Describe(leaf)} maps {have} at {a}, host maps {want}", leaf.Ipa.Value, have.Value);
                return;
            }
            a += step;
        }
        _ = slot;
    }

    /// <summary>Invariant 18/20: memory type and X follow the backing.</summary>
    private void CheckMemType(in S2Leaf leaf, Vma vma)
    {
        var mt = leaf.MemType;
        var exec = (leaf.Prot & S2Prot.X) != 0;
        var ok = vma.Backing switch
        {
            // Normal-NC only with VM_ALLOW_ANY_UNCACHED, which no model VMA has (VmaInfo.VfioAllowAnyUc): Device.
            BackingKind.Device or BackingKind.DeviceMixedmap => mt == MemType.Device && !exec,
            BackingKind.DeviceCacheable => mt == MemType.Normal && _kvm.Config.SupportsCacheablePfnmap,
            _ => mt == MemType.Normal,
        };
        if (!ok) Report(ViolationKind.WrongMemtype, $"leaf {Describe(leaf)} is {mt}{(exec ? "+x" : "")} over {vma}", leaf.Ipa.Value, leaf.Pfn.Value);
    }

    /// <summary>The largest block the backing and the slot allow at hva (invariants 9, 10 and the size ladder).</summary>
    private ulong MaxBlock(Vma vma, Memslot slot, Hva hva)
    {
        ulong size;
        if (vma.IsPfnMap) size = PfnmapMaxBlock(vma, hva);
        else if (vma.IsHugetlb) size = vma.HugePageSize switch
        {
            Sizes.PudSize => Sizes.PudSize,
            Sizes.ContPmdSize or Sizes.PmdSize => Sizes.PmdSize,
            _ => Sizes.PageSize,
        };
        else if (vma.Backing == BackingKind.Thp) size = _kvm.Mm.PageTable.MappingSize(hva) >= Sizes.PmdSize ? Sizes.PmdSize : Sizes.PageSize;
        else size = Sizes.PageSize;
        while (size > Sizes.PageSize && !Fault.Stage2HugeMapping.FaultSupportsStage2HugeMapping(slot, hva, size))
            size = size == Sizes.PudSize ? Sizes.PmdSize : Sizes.PageSize;
        return size;
    }

    /// <summary>Invariants 11/12/14: writable leaves in a logging slot are pages with their dirty bit set.</summary>
    private void CheckLogging(in S2Leaf leaf, Memslot slot)
    {
        if (!slot.IsLogging || (leaf.Prot & S2Prot.W) == 0 || _loggingEnableInFlight.Contains(slot.Id)) return;
        var first = Gfn.Of(leaf.Ipa) - slot.BaseGfn;
        var pages = leaf.Size / Sizes.PageSize;
        var bitmap = slot.DirtyBitmap!;
        var allSet = true;
        for (ulong i = 0; i < pages && allSet; i++) allSet = bitmap.Test(first + i);
        if (allSet) return; // never-cleared initially-all-set bits, or a page already logged
        if (PendingDirty(slot, Gfn.Of(leaf.Ipa))) return;
        if (leaf.IsBlock)
            Report(ViolationKind.BlockWhileLogging, $"writable block {Describe(leaf)} in logging {slot}", leaf.Ipa.Value, leaf.Pfn.Value);
        else
            Report(ViolationKind.WritableNotDirty, $"writable leaf {Describe(leaf)} in logging {slot} is not marked dirty", leaf.Ipa.Value, leaf.Pfn.Value);
    }

    /// <summary>Invariant 12a: an in-flight fault installed the leaf and will mark the gfn after unlocking.</summary>
    private bool PendingDirty(Memslot slot, Gfn gfn)
    {
        foreach (var h in _inFlight.Values)
            if (h.Desc is { } d && d.Memslot.Id == slot.Id && h.State.Gfn == gfn) return true;
        return false;
    }

    private static string Describe(in S2Leaf leaf) =>
        $"{leaf.Ipa}+{Sizes.Format(leaf.Size)}->{leaf.Pfn} {leaf.Prot.FormatPerms()} {leaf.MemType.ToString().ToLowerInvariant()}";
}
