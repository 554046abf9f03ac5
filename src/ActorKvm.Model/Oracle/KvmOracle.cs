using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Stage2;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Oracle;

/// <summary>
/// Watches one VM and reports typed <see cref="Violation"/>s. Events (page references, guest and host
/// writes, maps by faults) are checked when they happen; stage-2 leaves are re-checked after every step, but
/// only in the IPA ranges that step touched (a leaf changed, or the host changed memory behind it), so the
/// cost follows the step, not the VM size.
/// </summary>
public sealed partial class KvmOracle : IStage2Observer
{
    private readonly Kvm _kvm;
    private readonly List<Violation> _violations = [];
    private readonly List<Violation> _findings = [];
    private readonly HashSet<(ulong Ipa, ulong Size, ulong Pfn)> _pastVmaEndLeaves = [];   // leaves the finding accounts for
    private readonly HashSet<(ViolationKind, ulong, ulong)> _seen = [];
    private readonly List<(ulong Start, ulong End)> _touched = [];
    private readonly List<S2Leaf> _scratch = [];
    private readonly List<ulong> _pageScratch = [];
    private readonly Dictionary<ulong, ulong> _expected = [];          // hva page → last value written
    private readonly Dictionary<int, KvmHandleGuestAbort> _inFlight = [];     // faults between memslot lookup and complete
    private readonly Dictionary<int, int> _heldRefs = [];              // holder → page references held
    private readonly HashSet<int> _loggingEnableInFlight = [];         // slot ids between flags-committed and write-protect
    private readonly HashSet<int> _flushPending = [];                  // slot ids between slot-invalidated and flushed
    // slot id → its dirty bitmap and the page offsets the guest wrote while it logged, not yet reported by a harvest
    private readonly Dictionary<int, (Memslots.DirtyBitmap Bitmap, HashSet<ulong> Pages)> _loggedWrites = [];
    private bool _touchedAll;

    internal KvmOracle(Kvm kvm) => _kvm = kvm;

    /// <summary>Which model operations and branches this VM reached (<see cref="ReachPoint"/>).</summary>
    public Reachability Reach { get; } = new();

    /// <summary>Every violation found so far, in order.</summary>
    public IReadOnlyList<Violation> Violations => _violations;
    /// <summary>Invariant breaks that follow from upstream behaviour (<see cref="UpstreamFindings"/>), in order; not violations.</summary>
    public IReadOnlyList<Violation> Findings => _findings;
    /// <summary>Where the driver is (e.g. "steps[3]"), attached to new violations.</summary>
    public string? Context { get; set; }

    /// <summary>Records a violation (once per kind and subject).</summary>
    public void Report(ViolationKind kind, string detail, ulong key1 = 0, ulong key2 = 0)
    {
        if (key1 != 0 || key2 != 0)
        {
            if (!_seen.Add((kind, key1, key2))) return;
        }
        _violations.Add(new Violation(kind, detail, Context) { Subject = ViolationSubject.Of(kind, key1) });
    }

    /// <summary>Records an invariant break that upstream code makes (<paramref name="finding"/>: an <see cref="UpstreamFindings"/> id).</summary>
    public void ReportFinding(string finding, ViolationKind kind, string detail)
    {
        if (_findings.Count < MaxFindings) _findings.Add(new Violation(kind, detail, Context, finding));
        else FindingsDropped++;
    }

    /// <summary>Findings beyond <see cref="MaxFindings"/> are only counted (a long run repeats them).</summary>
    public const int MaxFindings = 1000;

    /// <summary>Findings counted but not kept.</summary>
    public long FindingsDropped { get; private set; }

    // --- what changed ----------------------------------------------------------------------------

    /// <summary>Marks an IPA range for re-checking.</summary>
    public void TouchIpa(Ipa start, ulong size) => _touched.Add((start.Value, start.Value + size));

    /// <summary>Marks the IPAs behind an HVA range (in every slot mapping it) for re-checking.</summary>
    public void TouchHva(Hva start, Hva end)
    {
        var slots = _kvm.Memslots.Slots;
        for (var i = 0; i < slots.Count; i++) // by index: a foreach over the interface allocates its enumerator (every host change)
        {
            var slot = slots[i];
            var s = start > slot.UserspaceAddr ? start : slot.UserspaceAddr;
            var e = end < slot.UserspaceEnd ? end : slot.UserspaceEnd;
            if (s < e) TouchIpa(slot.Gpa + (s - slot.UserspaceAddr), e - s);
        }
    }

    /// <summary>A new memslot set was published: re-check the IPA ranges of every slot that changed.</summary>
    public void MemslotsPublished(MemslotSet before, MemslotSet after)
    {
        if (after.ChangeFrom(before) is var (removed, added))
        {
            // One slot went or came (every memslot ioctl): no need to compare all n slots (n ioctls cost O(n^2) then).
            if (ReferenceEquals(removed, added)) return;
            if (removed is not null) TouchIpa(removed.Gpa, removed.Size);
            if (added is not null) TouchIpa(added.Gpa, added.Size);
            return;
        }
        foreach (var s in before.Slots) if (after.ById(s.Id) != s) TouchIpa(s.Gpa, s.Size);
        foreach (var s in after.Slots) if (before.ById(s.Id) != s) TouchIpa(s.Gpa, s.Size);
    }

    /// <summary>Logging enable for a slot is between publishing the flags and write-protecting (or done).</summary>
    public void LoggingEnableInFlight(int slotId, bool inFlight)
    {
        if (inFlight) _loggingEnableInFlight.Add(slotId);
        else if (_loggingEnableInFlight.Remove(slotId) && _kvm.Memslots.ById(slotId) is { } s) TouchIpa(s.Gpa, s.Size);
    }

    /// <summary>A slot is between being marked invalid and <c>kvm_arch_flush_shadow_memslot</c> (invariant 7a).</summary>
    public void FlushPending(int slotId, bool pending)
    {
        if (pending) _flushPending.Add(slotId);
        else _touchedAll = true; // the slot may already be gone from the set: re-check everything once
        if (!pending) _flushPending.Remove(slotId);
    }

    // --- IStage2Observer --------------------------------------------------------------------------

    /// <inheritdoc/>
    public void LeafInstalled(in S2Leaf leaf)
    {
        TouchIpa(leaf.Ipa, leaf.Size);
        Reach.LeafInstalled(leaf);
        CheckBecameExecutable(leaf);
    }

    /// <inheritdoc/>
    public void LeafRemoved(in S2Leaf leaf)
    {
        Reach.Hit(ReachPoint.Stage2Remove);
        PreFaultLeafRemoved(leaf);
    }

    /// <inheritdoc/>
    public void LeafUpdated(in S2Leaf before, in S2Leaf after)
    {
        TouchIpa(after.Ipa, after.Size);
        Reach.LeafUpdated(before, after);
        if (before.Young && !after.Young) PreFaultLeafAged(after);
        if ((before.Prot & S2Prot.X) == 0) CheckBecameExecutable(after);
    }
    /// <inheritdoc/>
    public void UninitialisedMemcacheUsed() => Report(ViolationKind.UninitialisedMemcache, "stage-2 map allocated a table page from a memcache that was never set up");

    /// <inheritdoc/>
    public void EmptyMemcacheAlloc()
    {
        _kernelWarnings.Add("kvm_mmu_memory_cache_alloc");
        ReportFinding(UpstreamFindings.PermFaultMapEmptyMemcache, ViolationKind.TablePageAccounting,
            "stage-2 map needed a table page from an empty vCPU memcache: WARN_ON(!mc->nobjs) in kvm_mmu_memory_cache_alloc, GFP_ATOMIC fallback");
    }

    private readonly List<string> _kernelWarnings = [];

    /// <summary>
    /// The kernel functions whose <c>WARN_ON</c> the run reached, in order: what a real kernel would log (<c>actorkvm diff</c>
    /// compares them with the booted kernel's log).
    /// </summary>
    public IReadOnlyList<string> KernelWarnings => _kernelWarnings;

    // --- fault events ----------------------------------------------------------------------------

    /// <summary>A fault looked its memslot up (it is now in flight under SRCU).</summary>
    public void FaultLookedUp(int holder, KvmHandleGuestAbort handler) => _inFlight[holder] = handler;

    /// <summary>A fault took a page reference.</summary>
    public void PageReferenced(int holder, Folio page)
    {
        _heldRefs[holder] = _heldRefs.GetValueOrDefault(holder) + 1;
        _kvm.OutstandingFaultRefs++;
        _ = page;
    }

    /// <summary>
    /// A fault dropped a page reference, marking the folio dirty when <paramref name="dirty"/>; <paramref name="hadRef"/>
    /// false means it dropped one it did not hold.
    /// </summary>
    public void PageReleased(int holder, Folio page, bool hadRef, bool dirty)
    {
        CheckReleaseDirty(holder, page, dirty);
        if (!hadRef)
        {
            Report(ViolationKind.PageRefUnderflow, $"fault #{holder} dropped a reference it did not hold on {page}");
            return;
        }
        _heldRefs[holder] = _heldRefs.GetValueOrDefault(holder) - 1;
        _kvm.OutstandingFaultRefs--;
    }

    /// <summary>A fault installed or relaxed a leaf: event checks that need to know which fault did it.</summary>
    public void FaultMapped(int holder, in GuestAbort abort, S2FaultDesc desc, KvmS2Fault state, bool relaxed = false)
    {
        if (state.MapSize is not (Sizes.PageSize or Sizes.PmdSize or Sizes.PudSize))
            Report(ViolationKind.UnsupportedMapSize, $"fault #{holder} asked to map {Sizes.Format(state.MapSize)} at {state.FaultIpa}, not a stage-2 leaf size");
        else if (OptimalSize(desc) is var best && state.MapSize < best)
            Report(ViolationKind.SuboptimalSize, $"fault #{holder} mapped {Sizes.Format(state.MapSize)} at {state.FaultIpa} where {Sizes.Format(best)} is allowed", state.FaultIpa.Value, state.MapSize);
        CheckFaultMapRules(holder, abort, state);
        // The finding is the kernel's ALIGN(hva, size) <= vm_end passing a block-aligned hva: only such a fault can have it.
        if (state.Vma.BlockPastVmaEnd && desc.Hva.IsAligned(state.MapSize) && !relaxed && _pastVmaEndLeaves.Add((state.FaultIpa.Value, state.MapSize, state.Pfn.Value)))
            ReportFinding(UpstreamFindings.PfnmapBlockPastVmaEnd, ViolationKind.StaleMapping,
                $"fault #{holder} mapped a {Sizes.Format(state.MapSize)} PFNMAP block at {state.FaultIpa} whose window runs past the end of its VMA");
        Reach.FaultMapped(desc, state, relaxed, (state.Prot & S2Prot.X) != 0, _kvm.Config.Protected);
        var write = abort.Esr.IsWriteFault;
        if ((state.Prot & S2Prot.W) != 0 && desc.Memslot.ReadOnly)
            Report(ViolationKind.WritableReadonlySlot, $"fault #{holder} made {state.FaultIpa} writable in read-only {desc.Memslot}");
        else if ((state.Prot & S2Prot.W) != 0 && !write && desc.LoggingActive && !(state.Vma.PfnMap && !PhysicalMemory.IsMapMemory(state.Pfn)))
            Report(ViolationKind.WritableReadonlySlot, $"read fault #{holder} made {state.FaultIpa} writable while {desc.Memslot} logs");
        // A relax changes permissions of pages already visible; a map (also from a permission fault) exposes its pages.
        if (_kvm.Config.Mte && state.Prot.MemType() == MemType.Normal && !relaxed)
            CheckMteInitialised(holder, desc, state);
    }

    /// <summary>
    /// Every page a map makes guest-visible in an MTE VM has initialised tags — the truth, not PG_mte_tagged: before
    /// d77e59a8fccd the flag could be set by an initialiser that had not cleared yet. A permission fault that maps a
    /// larger block skips <c>sanitise_mte_tags</c> upstream: that is a finding, and its pages are marked so that a
    /// later wipe of the tags the guest stores there is attributed to it too.
    /// </summary>
    private void CheckMteInitialised(int holder, S2FaultDesc desc, KvmS2Fault state)
    {
        for (ulong i = 0; i < state.MapSize / Sizes.PageSize; i++)
        {
            var pfn = state.Pfn + i;
            if (_kvm.Phys.FolioOf(pfn) is not { } folio) continue;
            if (folio.MteAt(pfn) is { Tagged: true, Initialised: true }) continue;
            if (!desc.FaultIsPerm)
            {
                Report(ViolationKind.UntaggedMtePage, $"{pfn} mapped at {state.FaultIpa} before its MTE tags were sanitised", pfn.Value, 1);
                return;
            }
            var page = folio.MteOfPfn(pfn);
            if (page.ExposedUnsanitised) continue;
            page.ExposedUnsanitised = true;
            ReportFinding(UpstreamFindings.MtePermFaultMapUnsanitised, ViolationKind.UntaggedMtePage,
                $"permission fault #{holder} mapped {Sizes.Format(state.MapSize)} at {state.FaultIpa}; {pfn} in it was never sanitised");
        }
    }

    /// <summary>
    /// Rule <c>untagged-mte-page</c>, host side: <c>mte_sync_tags</c> returns — and <c>set_pte_at</c> installs the
    /// <c>PROT_MTE</c> PTE — only when the page it covers has initialised tags: it cleared them itself, or
    /// <c>try_page_mte_tagging</c> found PG_mte_lock taken and waited (<c>smp_cond_load_acquire</c>) until the holder set
    /// PG_mte_tagged after its clear. The truth is checked, not the flag: before d77e59a8fccd the loser of
    /// <c>test_and_set_bit(PG_mte_tagged)</c> returned while the winner had not cleared yet — the race between two
    /// <c>set_pte_at()</c> on a shared page that the fix names — so the bug switch breaks this rule too.
    /// </summary>
    private void CheckMteSyncReturned(MteSyncTags s)
    {
        if (s.Result != Errno.Ok || s.SyncedPfn is not { } pfn || _kvm.Phys.FolioOf(pfn) is not { Freed: false } folio) return;
        if (folio.MteAt(pfn) is { Tagged: true, Initialised: true }) return;
        Report(ViolationKind.UntaggedMtePage, $"mte_sync_tags #{s.Id} at {s.Hva} returned before the MTE tags of {pfn} were initialised", pfn.Value, 21);
    }

    /// <summary>A fault finished: it must not hold any page reference any more.</summary>
    public void FaultCompleted(int holder, KvmHandleGuestAbort handler)
    {
        _inFlight.Remove(holder);
        CheckExit(holder, handler);
        CheckSrcuLeft(holder, handler);
        CheckMmuLockLeft(holder, handler);
        PreFaultFaultEnded(holder, handler);
        // A leaf this fault installed may have been exempted as pending-dirty while it was in flight: re-check it.
        if (handler.Result is FaultResult.Map or FaultResult.Relax) TouchIpa(handler.State.FaultIpa, handler.State.MapSize);
        if (handler.MarkedDirty && handler.Result is not (FaultResult.Map or FaultResult.Relax))
            Report(ViolationKind.DirtyWithoutMap, $"fault #{holder} at {handler.Abort.FaultIpa} marked gfn {handler.State.Gfn} dirty but ended {handler.State.Ret.ToScenarioName()} without mapping it");
        if (handler.Exit is { Kind: AccessExitKind.SigbusHwpoison } && handler.State.SigbusLsb != handler.State.Vma.VmaShift)
            Report(ViolationKind.WrongSigbusLsb, $"fault #{holder} at {handler.Abort.FaultIpa} reported SIGBUS lsb {handler.State.SigbusLsb} for a {Sizes.Format(handler.State.Vma.VmaPageSize)} mapping");
        var held = _heldRefs.GetValueOrDefault(holder);
        if (held > 0)
        {
            Report(ViolationKind.PageRefLeak, $"fault #{holder} at {handler.Abort.FaultIpa} ended holding {held} page reference(s)");
        }
        _heldRefs.Remove(holder);
    }

    /// <summary>
    /// A fault updated the state of the page at <paramref name="pfn"/> (accessed/dirty): the page must still be
    /// allocated — after dropping <c>mmu_lock</c> nothing keeps an invalidation from freeing it.
    /// </summary>
    public void PageTouched(int holder, Pfn pfn)
    {
        var folio = _kvm.Phys.FolioOf(pfn);
        if (folio is null) return;
        if (folio.Freed)
        {
            Report(ViolationKind.ReleasedPageTouched, $"fault #{holder} marked {pfn} accessed after it was freed", pfn.Value, 2);
            return;
        }
        folio.Accessed = true;
    }

    /// <summary>
    /// Size optimality (P2, advisory): the largest leaf the backing, the memslot layout and logging permit for a
    /// fault (<c>kvm_s2_resolve_vma_size</c> + <c>transparent_hugepage_adjust</c> as they should decide).
    /// </summary>
    private ulong OptimalSize(S2FaultDesc desc)
    {
        // Logging, protected VMs (pkvm_mem_abort) and guest_memfd (gmem_abort) map PAGE_SIZE only.
        if (desc.LoggingActive || _kvm.Config.Protected || desc.Memslot.HasGmem) return Sizes.PageSize;
        var vma = _kvm.Mm.FindVma(desc.Hva);
        var best = vma is null ? Sizes.PageSize : MaxBlock(vma, desc.Memslot, desc.Hva);
        // Nested: never more than L1's block (rounded down to a host block size).
        return desc.Nested is { } n ? Math.Min(best, Nested.KvmWalkNestedS2.MaxMapSize(n, forcePte: false)) : best;
    }

    /// <summary>A fault read a field of <paramref name="vma"/>, which is dead (unmapped).</summary>
    public void FreedVmaUsed(Vma vma) => Report(ViolationKind.FreedVmaUse, $"a fault dereferenced {vma} after mmap_read_unlock", (ulong)vma.Id + 1, 5);

    /// <summary>A host page-table walk read a descriptor from a freed table page.</summary>
    public void FreedHostTableRead(Hva hva) =>
        Report(ViolationKind.FreedHostTableRead, $"host page-table walk for {hva} read a freed table page", hva.Value, 4);

    /// <summary>
    /// An MTE tag initialiser (<paramref name="who"/>) cleared the tags of <paramref name="pfn"/> after someone had stored
    /// tags in it: only a guest can have, so the page was already guest-visible and the guest's tags are lost. A page a
    /// permission fault exposed unsanitised (<see cref="UpstreamFindings.MtePermFaultMapUnsanitised"/>) makes it a finding.
    /// </summary>
    public void MteTagsWiped(Pfn pfn, PageMte page, string who)
    {
        var detail = $"{who} cleared the MTE tags of {pfn} after the guest had stored tags in it";
        if (page.ExposedUnsanitised) ReportFinding(UpstreamFindings.MtePermFaultMapUnsanitised, ViolationKind.MteTagsLost, detail);
        else Report(ViolationKind.MteTagsLost, detail, pfn.Value, 6);
    }

    // --- content (lost writes) -------------------------------------------------------------------

    /// <summary>
    /// The guest stored <paramref name="value"/> at <paramref name="gpa"/> through stage 2. A store through a leaf
    /// that lingers in a slot being deleted or moved (invalid, not yet flushed: invariant 7a) still reaches the host
    /// page behind the slot's HVA, so it counts as well.
    /// </summary>
    public void GuestWrote(Ipa gpa, Pfn pfn, ulong value)
    {
        // kvm_invalidate_memslot marks the slot KVM_MEMSLOT_INVALID before kvm_arch_flush_shadow_memslot unmaps it.
        var slot = _kvm.Memslots.Find(Gfn.Of(gpa));
        if (slot is null) return;
        _expected[slot.IpaToHva(gpa).AlignDown(Sizes.PageSize).Value] = value;
        if (_kvm.Pgt.GetLeaf(gpa) is not { Valid: true } w || (w.Leaf.Prot & S2Prot.X) == 0) IcacheStale(pfn);
        // Writes before logging's write-protect finished need not be logged (the migration's first pass copies them).
        if (slot.DirtyBitmap is not { } bitmap || slot.Invalid || _loggingEnableInFlight.Contains(slot.Id)) return;
        if (!_loggedWrites.TryGetValue(slot.Id, out var logged) || !ReferenceEquals(logged.Bitmap, bitmap))
            _loggedWrites[slot.Id] = logged = (bitmap, []);
        logged.Pages.Add(Gfn.Of(gpa) - slot.BaseGfn);
    }

    /// <summary>The host stored <paramref name="value"/> at <paramref name="hva"/>.</summary>
    public void HostWrote(Hva hva, ulong value)
    {
        _expected[hva.AlignDown(Sizes.PageSize).Value] = value;
        if (_kvm.Mm.PageTable.TryGet(hva, out var pte) && !MappedExecutable(hva)) IcacheStale(pte.PfnAt(hva));
    }

    /// <summary>The host read <paramref name="value"/> at <paramref name="hva"/>: it must be the last value written there.</summary>
    public void HostRead(Hva hva, ulong value)
    {
        var page = hva.AlignDown(Sizes.PageSize).Value;
        if (_expected.TryGetValue(page, out var want) && want != value)
            Report(ViolationKind.LostWrite, $"host read {value} at {hva}, last written {want}", page, value);
    }

    /// <summary>
    /// Reads back every page the guest or host wrote (through the host, as a VMM would at the end of a run) and reports
    /// a <c>lost-write</c> where it does not hold the last value written. Device apertures are left out: what a read
    /// of device memory returns is the device's business, not RAM content. Returns the pages read.
    /// </summary>
    public int CheckContent()
    {
        var read = 0;
        foreach (var (page, _) in _expected)
        {
            if (_kvm.Mm.FindVma(new Hva(page)) is not { } vma || vma.Backing.IsDeviceAperture()) continue;
            HostRead(new Hva(page), _kvm.Mm.Read(new Hva(page)));
            read++;
        }
        return read;
    }

    /// <summary>Content of [start, end) was discarded on purpose (munmap, MADV_DONTNEED): forget expectations.</summary>
    public void ContentDiscarded(Hva start, Hva end)
    {
        if (_expected.Count == 0) return;
        foreach (var k in _expected.Keys.Where(k => k >= start.Value && k < end.Value).ToList()) _expected.Remove(k);
    }
}
