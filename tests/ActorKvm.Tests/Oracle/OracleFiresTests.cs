using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Stage2;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Oracle;

/// <summary>
/// Every oracle check can fire: each bad state is built directly (bypassing the fault path) and must be
/// reported as its typed violation; each twin builds the matching legal state and must report nothing.
/// </summary>
public class OracleFiresTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    private static KvmMmuMemoryCache Cache()
    {
        var mc = new KvmMmuMemoryCache();
        Assert.Equal(Errno.Ok, mc.TopUp(8));
        return mc;
    }

    private static List<ViolationKind> Kinds(TestVm vm) => vm.Kvm.Oracle.Violations.Select(v => v.Kind).ToList();

    /// <summary>The host's pfn at hva after a host write populated it.</summary>
    private static Pfn HostPfn(TestVm vm, ulong hva, ulong value = 1)
    {
        Drive.ToEnd(new Model.Notifier.HostAccess(vm.Kvm, vm.NextId(), new Hva(hva), true, value));
        Assert.True(vm.Kvm.Mm.PageTable.TryGet(new Hva(hva), out var pte));
        return pte.PfnAt(new Hva(hva));
    }

    private static void Map(TestVm vm, ulong gpa, ulong size, Pfn pfn, S2Prot prot) =>
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Map(new Ipa(gpa), size, pfn, prot, Cache()));

    // --- stale-mapping ---------------------------------------------------------------------------

    [Fact]
    public void LeafMappingAPfnTheHostDoesNotMapThere_IsStaleMapping()
    {
        // invariant 1 (kvm_mmu_notifier_invalidate_range_start/end): leaves map what the host maps
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var p0 = HostPfn(vm, Hva);
        HostPfn(vm, Hva + 0x1000);
        Map(vm, Gpa + 0x1000, Sizes.PageSize, p0, S2Prot.RW);
        vm.Kvm.Oracle.Check();
        Assert.Contains(ViolationKind.StaleMapping, Kinds(vm));
    }

    [Fact]
    public void LeafOverAnUnpopulatedHostPage_IsStaleMapping()
    {
        // invariant 1: after the host dropped the page, no leaf may still map it
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var p0 = HostPfn(vm, Hva);
        Map(vm, Gpa + 0x1000, Sizes.PageSize, p0, S2Prot.R);
        vm.Kvm.Oracle.Check();
        Assert.Equal([ViolationKind.StaleMapping], Kinds(vm));
    }

    [Fact]
    public void LeafMappingTheHostPfn_IsNotStale()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        Map(vm, Gpa + 0x1000, Sizes.PageSize, HostPfn(vm, Hva + 0x1000), S2Prot.RW);
        vm.Kvm.Oracle.CheckAll();
        Assert.Empty(Kinds(vm));
    }

    [Fact]
    public void StaleLeafDuringAnInvalidationCoveringIt_IsTolerated()
    {
        // invariant 1: the leaf may differ from the host only while an invalidation of that HVA is in progress
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var h = vm.HostOp(HostOp.MadviseDontneed, Hva + 0x1000);
        Drive.Until(h, "range-start");
        Map(vm, Gpa + 0x1000, Sizes.PageSize, HostPfn(vm, Hva), S2Prot.R);
        vm.Kvm.Oracle.Check();
        // Not stale-mapping; only the general rule that no leaf may appear in a range being invalidated fires.
        Assert.Equal([ViolationKind.LeafInInvalidatedRange], Kinds(vm));
    }

    // --- lost-write ------------------------------------------------------------------------------

    [Fact]
    public void GuestWriteThroughAStaleLeaf_IsLostWriteWhenTheHostReads()
    {
        // invariant 1 consequence: a write through a leaf the host does not map never reaches the host's page
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var orphan = vm.Kvm.Phys.Allocate(0, BackingKind.Anon);
        Map(vm, Gpa, Sizes.PageSize, orphan.Head, S2Prot.RW);
        var a = vm.Start(Gpa, AccessKind.Write, 7);
        Drive.ToEnd(a);
        Assert.Empty(a.Faults);
        Assert.Equal(0UL, vm.HostRead(Hva));
        Assert.Contains(ViolationKind.LostWrite, Kinds(vm));
    }

    [Fact]
    public void GuestWriteThroughACorrectLeaf_IsReadBackByTheHost()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 7);
        Assert.Equal(7UL, vm.HostRead(Hva));
        Assert.Empty(Kinds(vm));
    }

    [Fact]
    public void GuestWriteThroughALeafLingeringInAnInvalidatedSlot_IsReadBackWithoutLostWrite()
    {
        // invariant 7a (kvm_invalidate_memslot before kvm_arch_flush_shadow_memslot): until the flush, a leaf of the
        // slot being moved still reaches the host page behind the slot's HVA, so that store is the last value written
        var vm = TestVm.WithSlot(BackingKind.Hugetlb2M, Sizes.PmdSize);
        vm.Access(Gpa + 0x1000, AccessKind.Write, 1);
        var move = new MemslotUpdate(vm.Kvm, vm.NextId(), new MemslotRequest(0, new Ipa(Gpa + Sizes.PudSize), Sizes.PmdSize, new Hva(Hva), MemslotFlags.None));
        Assert.Equal(MemslotOpPhase.SlotInvalidated.Name(), move.Step().Phase);
        Assert.True(vm.Kvm.Memslots.ById(0)!.Invalid);
        var a = vm.Access(Gpa + 0x1000, AccessKind.Write, 2);
        Assert.Empty(a.Faults);
        Drive.ToEnd(move);
        Assert.Equal(2UL, vm.HostRead(Hva + 0x1000));
        Assert.Equal(1, vm.Kvm.Oracle.CheckContent());
        Assert.Empty(Kinds(vm));
    }

    // --- page-ref-leak / page-ref-underflow ------------------------------------------------------

    [Fact]
    public void FaultCompletingWhileHoldingAReference_IsPageRefLeak()
    {
        // invariant 16 (kvm_release_faultin_page on every exit path)
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var holder = vm.NextId();
        var h = new KvmHandleGuestAbort(vm.Kvm, vm.Kvm.Vcpus[0], holder);
        h.Begin(GuestAbort.At(new Ipa(Gpa), Drive.Dabt(Drive.Xlate, wnr: true)));
        var r = vm.Kvm.Mm.FaultIn(new Hva(Hva), write: true, takeRef: true);
        vm.Kvm.Oracle.PageReferenced(holder, r.Folio!);
        vm.Kvm.Oracle.FaultCompleted(holder, h);
        Assert.Equal([ViolationKind.PageRefLeak], Kinds(vm));
    }

    [Fact]
    public void FaultReleasingItsReferenceBeforeCompleting_IsBalanced()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var holder = vm.NextId();
        var h = new KvmHandleGuestAbort(vm.Kvm, vm.Kvm.Vcpus[0], holder);
        h.Begin(GuestAbort.At(new Ipa(Gpa), Drive.Dabt(Drive.Xlate, wnr: true)));
        var r = vm.Kvm.Mm.FaultIn(new Hva(Hva), write: true, takeRef: true);
        vm.Kvm.Oracle.PageReferenced(holder, r.Folio!);
        vm.Kvm.Oracle.PageReleased(holder, r.Folio!, vm.Kvm.Mm.PutPage(r.Folio!, dirty: true), dirty: true);
        vm.Kvm.Oracle.FaultCompleted(holder, h);
        Assert.Empty(Kinds(vm));
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
    }

    [Fact]
    public void DroppingAReferenceNeverTaken_IsPageRefUnderflow()
    {
        // invariant 16: released exactly once
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var r = vm.Kvm.Mm.FaultIn(new Hva(Hva), write: true, takeRef: false);
        var holder = vm.NextId();
        vm.Kvm.Oracle.PageReleased(holder, r.Folio!, vm.Kvm.Mm.PutPage(r.Folio!, dirty: false), dirty: false);
        Assert.Equal([ViolationKind.PageRefUnderflow], Kinds(vm));
    }

    [Fact]
    public void DroppingAReferenceTwice_IsPageRefUnderflowOnTheSecondDrop()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var r = vm.Kvm.Mm.FaultIn(new Hva(Hva), write: true, takeRef: true);
        var holder = vm.NextId();
        vm.Kvm.Oracle.PageReferenced(holder, r.Folio!);
        vm.Kvm.Oracle.PageReleased(holder, r.Folio!, vm.Kvm.Mm.PutPage(r.Folio!, dirty: false), dirty: false);
        Assert.Empty(Kinds(vm));
        vm.Kvm.Oracle.PageReleased(holder, r.Folio!, vm.Kvm.Mm.PutPage(r.Folio!, dirty: false), dirty: false);
        Assert.Equal([ViolationKind.PageRefUnderflow], Kinds(vm));
    }

    // --- block-while-logging / writable-not-dirty ------------------------------------------------

    [Fact]
    public void WritableBlockInLoggingSlot_IsBlockWhileLogging()
    {
        // invariant 11 (user_mem_abort force_pte while logging)
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize, flags: MemslotFlags.LogDirtyPages);
        var pfn = HostPfn(vm, Hva);
        Assert.Equal(Sizes.PmdSize, vm.Kvm.Mm.PageTable.MappingSize(new Hva(Hva)));
        Map(vm, Gpa, Sizes.PmdSize, pfn, S2Prot.RW);
        vm.Kvm.Oracle.Check();
        Assert.Equal([ViolationKind.BlockWhileLogging], Kinds(vm));
    }

    [Fact]
    public void ReadOnlyBlockInLoggingSlot_IsLegal()
    {
        // 5.2: without eager split, read-only blocks may remain after enabling logging
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize, flags: MemslotFlags.LogDirtyPages);
        Map(vm, Gpa, Sizes.PmdSize, HostPfn(vm, Hva), S2Prot.R);
        vm.Kvm.Oracle.CheckAll();
        Assert.Empty(Kinds(vm));
    }

    [Fact]
    public void WritablePageInLoggingSlotWithoutItsDirtyBit_IsWritableNotDirty()
    {
        // invariant 12 (mark_page_dirty_in_slot / kvm_get_dirty_log_protect)
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, flags: MemslotFlags.LogDirtyPages);
        Map(vm, Gpa, Sizes.PageSize, HostPfn(vm, Hva), S2Prot.RW);
        vm.Kvm.Oracle.Check();
        Assert.Equal([ViolationKind.WritableNotDirty], Kinds(vm));
    }

    [Fact]
    public void WritablePageInLoggingSlotWithItsDirtyBit_IsLegal()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, flags: MemslotFlags.LogDirtyPages);
        vm.Kvm.Memslots.ById(0)!.DirtyBitmap!.Set(0);
        Map(vm, Gpa, Sizes.PageSize, HostPfn(vm, Hva), S2Prot.RW);
        vm.Kvm.Oracle.Check();
        Assert.Empty(Kinds(vm));
    }

    // --- writable-readonly-slot ------------------------------------------------------------------

    private static (S2FaultDesc Desc, KvmS2Fault State) FaultState(TestVm vm, S2Prot prot)
    {
        var slot = vm.Kvm.Memslots.ById(0)!;
        var desc = new S2FaultDesc(0, new Ipa(Gpa), slot, new Hva(Hva), FaultIsPerm: false);
        var r = vm.Kvm.Mm.FaultIn(new Hva(Hva), write: false, takeRef: false);
        var state = new KvmS2Fault { FaultIpa = new Ipa(Gpa), Pfn = r.Pfn, Prot = prot, Mapping = new KvmS2FaultMapping(Sizes.PageSize, prot, (prot & S2Prot.W) != 0) };
        return (desc, state);
    }

    [Fact]
    public void FaultMakingReadOnlySlotWritable_IsWritableReadonlySlot()
    {
        // gfn_to_hva_memslot_prot: writable = !READONLY; user_mem_abort never maps W in a RO slot
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, flags: MemslotFlags.ReadOnly);
        var (desc, state) = FaultState(vm, S2Prot.RW);
        vm.Kvm.Oracle.FaultMapped(vm.NextId(), GuestAbort.At(new Ipa(Gpa), Drive.Dabt(Drive.Xlate)), desc, state);
        Assert.Equal([ViolationKind.WritableReadonlySlot], Kinds(vm));
    }

    [Fact]
    public void ReadFaultMakingLoggingSlotWritable_IsWritableReadonlySlot()
    {
        // invariant 15 (kvm_s2_fault_compute_prot: logging && !write_fault -> writable = false)
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, flags: MemslotFlags.LogDirtyPages);
        var (desc, state) = FaultState(vm, S2Prot.RW);
        vm.Kvm.Oracle.FaultMapped(vm.NextId(), GuestAbort.At(new Ipa(Gpa), Drive.Dabt(Drive.Xlate)), desc, state);
        Assert.Equal([ViolationKind.WritableReadonlySlot], Kinds(vm));
    }

    [Fact]
    public void FaultMappingReadOnlySlotReadOnly_IsLegal()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, flags: MemslotFlags.ReadOnly);
        var (desc, state) = FaultState(vm, S2Prot.R);
        vm.Kvm.Oracle.FaultMapped(vm.NextId(), GuestAbort.At(new Ipa(Gpa), Drive.Dabt(Drive.Xlate)), desc, state);
        Assert.Empty(Kinds(vm));
    }

    // --- outside-memslot -------------------------------------------------------------------------

    [Fact]
    public void LeafWithNoMemslot_IsOutsideMemslot()
    {
        // invariant 7 (kvm_arch_flush_shadow_memslot, kvm_handle_guest_abort MMIO path)
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        Map(vm, Gpa + Sizes.PudSize, Sizes.PageSize, HostPfn(vm, Hva), S2Prot.R);
        vm.Kvm.Oracle.Check();
        Assert.Equal([ViolationKind.OutsideMemslot], Kinds(vm));
    }

    [Fact]
    public void BlockCrossingTheSlotEnd_IsOutsideMemslot()
    {
        // invariant 9 (fault_supports_stage2_huge_mapping containment)
        var vm = new TestVm().Vma(Hva, 2 * Sizes.PmdSize, BackingKind.Thp).Slot(0, Gpa, Sizes.PmdSize / 2, Hva);
        Map(vm, Gpa, Sizes.PmdSize, HostPfn(vm, Hva), S2Prot.R);
        vm.Kvm.Oracle.Check();
        Assert.Contains(ViolationKind.OutsideMemslot, Kinds(vm));
    }

    [Fact]
    public void LeafLeftAfterSlotDeleteFlush_IsOutsideMemslot()
    {
        // invariant 7: after the flush no leaf of the deleted slot remains
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var pfn = HostPfn(vm, Hva);
        Drive.ToEnd(new MemslotUpdate(vm.Kvm, vm.NextId(), new MemslotRequest(0, new Ipa(Gpa), 0, new Hva(Hva), MemslotFlags.None)));
        Map(vm, Gpa, Sizes.PageSize, pfn, S2Prot.R);
        vm.Kvm.Oracle.CheckAll();
        Assert.Equal([ViolationKind.OutsideMemslot], Kinds(vm));
    }

    // --- misaligned-block / oversized-block ------------------------------------------------------

    [Fact]
    public void BlockWhoseHvaIsNotAlignedToItsSize_IsMisalignedBlock()
    {
        // invariant 9/10: (base_gfn << PAGE_SHIFT) ≡ userspace_addr (mod S)
        var vm = new TestVm().Vma(Hva, 4 * Sizes.PmdSize, BackingKind.Thp).Slot(0, Gpa, 2 * Sizes.PmdSize, Hva + 0x1000);
        var folio = vm.Kvm.Phys.Allocate(9, BackingKind.Thp);
        Map(vm, Gpa, Sizes.PmdSize, folio.Head, S2Prot.R);
        vm.Kvm.Oracle.Check();
        Assert.Contains(ViolationKind.MisalignedBlock, Kinds(vm));
    }

    [Fact]
    public void BlockOverCongruentThpMappedByAHostPmd_IsLegal()
    {
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize);
        Map(vm, Gpa, Sizes.PmdSize, HostPfn(vm, Hva), S2Prot.RW);
        vm.Kvm.Oracle.CheckAll();
        Assert.Empty(Kinds(vm));
    }

    [Fact]
    public void BlockOverThpTheHostMapsWithPtes_IsOversizedBlock()
    {
        // transparent_hugepage_adjust: only a host PMD mapping justifies a 2M block
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize);
        var pfn = HostPfn(vm, Hva);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.ThpSplit, Hva));
        Assert.Equal(Sizes.PageSize, vm.Kvm.Mm.PageTable.MappingSize(new Hva(Hva)));
        Map(vm, Gpa, Sizes.PmdSize, pfn, S2Prot.R);
        vm.Kvm.Oracle.Check();
        Assert.Equal([ViolationKind.OversizedBlock], Kinds(vm));
    }

    [Fact]
    public void PmdBlockOverHugetlb64K_IsOversizedBlock()
    {
        // kvm_s2_resolve_vma_size: CONT_PTE hugetlb is mapped with pages only
        var vm = TestVm.WithSlot(BackingKind.Hugetlb64K, 2 * Sizes.PmdSize);
        var folio = vm.Kvm.Phys.Allocate(9, BackingKind.Hugetlb64K);
        Map(vm, Gpa, Sizes.PmdSize, folio.Head, S2Prot.R);
        vm.Kvm.Oracle.Check();
        Assert.Contains(ViolationKind.OversizedBlock, Kinds(vm));
    }

    // --- wrong-memtype ---------------------------------------------------------------------------

    [Fact]
    public void DeviceMemtypeOverRam_IsWrongMemtype()
    {
        // invariant 18 (kvm_s2_fault_compute_prot: only non-cacheable PFNMAP gets PROT_DEVICE)
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        Map(vm, Gpa, Sizes.PageSize, HostPfn(vm, Hva), S2Prot.RW | S2Prot.Device);
        vm.Kvm.Oracle.Check();
        Assert.Equal([ViolationKind.WrongMemtype], Kinds(vm));
    }

    [Fact]
    public void NormalMemtypeOverNonCacheableDevice_IsWrongMemtype()
    {
        // invariant 18: a non-cacheable PFNMAP leaf is Device (or Normal-NC), never Normal
        var vm = TestVm.WithSlot(BackingKind.Device, Sizes.PmdSize);
        var pfn = new Pfn(vm.Kvm.Mm.FindVma(new Hva(Hva))!.PageIndexOf(new Hva(Hva)));
        Map(vm, Gpa, Sizes.PageSize, pfn, S2Prot.RW);
        vm.Kvm.Oracle.Check();
        Assert.Equal([ViolationKind.WrongMemtype], Kinds(vm));
    }

    [Fact]
    public void DeviceMemtypeOverNonCacheableDevice_IsLegal()
    {
        var vm = TestVm.WithSlot(BackingKind.Device, Sizes.PmdSize);
        var pfn = new Pfn(vm.Kvm.Mm.FindVma(new Hva(Hva))!.PageIndexOf(new Hva(Hva)));
        Map(vm, Gpa, Sizes.PageSize, pfn, S2Prot.RW | S2Prot.Device);
        vm.Kvm.Oracle.Check();
        Assert.Empty(Kinds(vm));
    }

    // --- lock-violation --------------------------------------------------------------------------

    [Fact]
    public void StageTwoMapWithoutMmuLock_IsLockViolation()
    {
        // invariant 24 (kvm_fault_lock before kvm_pgtable_stage2_map)
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var pfn = HostPfn(vm, Hva);
        vm.Kvm.S2Map(vm.NextId(), new Ipa(Gpa), Sizes.PageSize, pfn, S2Prot.RW, Cache());
        Assert.Equal([ViolationKind.LockViolation], Kinds(vm));
    }

    [Fact]
    public void StageTwoUnmapUnderTheReadLock_IsLockViolation()
    {
        // invariant 24: unmap needs the write lock
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var holder = vm.NextId();
        Assert.True(vm.Kvm.MmuLock.TryAcquireRead(holder));
        vm.Kvm.S2Unmap(holder, new Ipa(Gpa), Sizes.PmdSize);
        vm.Kvm.MmuLock.Release(holder);
        Assert.Equal([ViolationKind.LockViolation], Kinds(vm));
    }

    [Fact]
    public void RetryCheckWithoutMmuLock_IsLockViolation()
    {
        // mmu_invalidate_retry outside mmu_lock races kvm_mmu_invalidate_begin/end
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        Assert.False(vm.Kvm.MmuInvalidateRetry(vm.NextId(), vm.Kvm.Notifier.MmuInvalidateSeq));
        Assert.Equal([ViolationKind.LockViolation], Kinds(vm));
    }

    [Fact]
    public void StageTwoMapUnderTheReadLock_IsLegal()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var pfn = HostPfn(vm, Hva);
        var holder = vm.NextId();
        Assert.True(vm.Kvm.MmuLock.TryAcquireRead(holder));
        Assert.Equal(Errno.Ok, vm.Kvm.S2Map(holder, new Ipa(Gpa), Sizes.PageSize, pfn, S2Prot.RW, Cache()));
        vm.Kvm.MmuLock.Release(holder);
        vm.Kvm.Oracle.Check();
        Assert.Empty(Kinds(vm));
    }

    // --- uninitialised-memcache ------------------------------------------------------------------

    [Fact]
    public void MapAllocatingFromANeverInitialisedMemcache_IsUninitialisedMemcache()
    {
        // 157dbc4a321f: the fault path must always select and set up its memcache
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var r = vm.Kvm.Pgt.Map(new Ipa(Gpa), Sizes.PageSize, HostPfn(vm, Hva), S2Prot.R, new KvmMmuMemoryCache());
        Assert.Equal(Errno.ENOMEM, r);
        Assert.Equal([ViolationKind.UninitialisedMemcache], Kinds(vm));
    }

    [Fact]
    public void MapFromAnInitialisedButEmptyMemcache_WarnsAndAllocates_AnUpstreamFindingNotAViolation()
    {
        // kvm_mmu_memory_cache_alloc: WARN_ON(!mc->nobjs), then GFP_ATOMIC.
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var mc = new KvmMmuMemoryCache();
        mc.Init();
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Map(new Ipa(Gpa), Sizes.PageSize, HostPfn(vm, Hva), S2Prot.R, mc));
        Assert.Empty(Kinds(vm));
        Assert.Equal(UpstreamFindings.PermFaultMapEmptyMemcache, vm.Kvm.Oracle.Findings[0].Finding);
    }

    // --- writable-host-readonly -----------------------------------------------------------------

    [Fact]
    public void WritableLeafOverAPageTheHostMapsReadOnly_IsWritableHostReadonly()
    {
        // __kvm_faultin_pfn: map_writable only when the host PTE is writable (read faults never break CoW)
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var r = vm.Kvm.Mm.FaultIn(new Hva(Hva), write: false, takeRef: false);
        Assert.False(r.Writable);
        Map(vm, Gpa, Sizes.PageSize, r.Pfn, S2Prot.RW);
        vm.Kvm.Oracle.Check();
        Assert.Equal([ViolationKind.WritableHostReadonly], Kinds(vm));
    }

    [Fact]
    public void ReadOnlyLeafOverAPageTheHostMapsReadOnly_IsLegal()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var r = vm.Kvm.Mm.FaultIn(new Hva(Hva), write: false, takeRef: false);
        Map(vm, Gpa, Sizes.PageSize, r.Pfn, S2Prot.R);
        vm.Kvm.Oracle.Check();
        Assert.Empty(Kinds(vm));
    }

    // --- untagged-mte-page -----------------------------------------------------------------------

    [Fact]
    public void MteGuestMappingAnUntaggedPage_IsUntaggedMtePage()
    {
        // invariant 21 (sanitise_mte_tags before the leaf is visible)
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(Mte: true));
        var (desc, state) = FaultState(vm, S2Prot.R);
        vm.Kvm.Oracle.FaultMapped(vm.NextId(), GuestAbort.At(new Ipa(Gpa), Drive.Dabt(Drive.Xlate)), desc, state);
        Assert.Equal([ViolationKind.UntaggedMtePage], Kinds(vm));
    }

    [Fact]
    public void MteGuestMappingATaggedPage_IsLegal()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(Mte: true));
        var (desc, state) = FaultState(vm, S2Prot.R);
        var folio = vm.Kvm.Phys.FolioOf(state.Pfn)!;
        var page = folio.MteOf((ulong)(state.Pfn - folio.Head));
        Assert.Equal(MteClaim.Claimed, page.TryPageMteTagging(1));
        page.MteClearPageTags();
        page.SetPageMteTagged();
        vm.Kvm.Oracle.FaultMapped(vm.NextId(), GuestAbort.At(new Ipa(Gpa), Drive.Dabt(Drive.Xlate)), desc, state);
        Assert.Empty(Kinds(vm));
    }

    [Fact]
    public void MteGuestMappingAPageFlaggedTaggedButNeverCleared_FiresUntaggedMtePage()
    {
        // Before d77e59a8fccd mte_sync_tags set PG_mte_tagged before clearing: the flag alone proves nothing.
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(Mte: true));
        var (desc, state) = FaultState(vm, S2Prot.R);
        var folio = vm.Kvm.Phys.FolioOf(state.Pfn)!;
        folio.MteOf((ulong)(state.Pfn - folio.Head)).SetPageMteTagged();
        vm.Kvm.Oracle.FaultMapped(vm.NextId(), GuestAbort.At(new Ipa(Gpa), Drive.Dabt(Drive.Xlate)), desc, state);
        Assert.Equal([ViolationKind.UntaggedMtePage], Kinds(vm));
    }

    [Fact]
    public void MteClearOfGuestStoredTags_FiresMteTagsLost()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(Mte: true));
        vm.Kvm.Oracle.MteTagsWiped(new Pfn(0x1234), new PageMte(), "mte_sync_tags");
        Assert.Equal([ViolationKind.MteTagsLost], Kinds(vm));
    }

    [Fact]
    public void MteClearOfTagsOnAPageAPermissionFaultExposed_IsAnUpstreamFindingNotAViolation()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(Mte: true));
        vm.Kvm.Oracle.MteTagsWiped(new Pfn(0x1234), new PageMte { ExposedUnsanitised = true }, "sanitise_mte_tags");
        Assert.Empty(Kinds(vm));
        var f = Assert.Single(vm.Kvm.Oracle.Findings);
        Assert.Equal((ViolationKind.MteTagsLost, UpstreamFindings.MtePermFaultMapUnsanitised), (f.Kind, f.Finding));
    }
}
