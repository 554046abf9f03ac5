using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Stage2;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;
using ActorKvm.Tests.Stage2;

namespace ActorKvm.Tests.Oracle;

/// <summary>
/// The general rules (<c>KvmOracle.Rules</c>): each test plants the mistake the rule exists for — a leaf mapped during an
/// invalidation, an unmap or write-protect or split that skipped a leaf, a pgtable that skipped the I-cache CMO, a
/// pre-fault that claimed a page it did not map, a GUP reference never put, a split that lost a page — and must see the
/// typed violation; its twin runs the faithful model
/// through the same operation and must see none.
/// </summary>
public class GeneralRulesTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    private static List<ViolationKind> Kinds(TestVm vm) => vm.Kvm.Oracle.Violations.Select(v => v.Kind).ToList();

    private static KvmMmuMemoryCache Cache()
    {
        var mc = new KvmMmuMemoryCache();
        Assert.Equal(Errno.Ok, mc.TopUp(8));
        return mc;
    }

    // --- leaf-in-invalidated-range --------------------------------------------------------------------------------

    [Fact]
    public void LeafInstalledBetweenRangeStartAndRangeEnd_IsLeafInInvalidatedRange()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        var op = vm.HostOp(HostOp.Migrate, Hva);
        Drive.Until(op, "range-start");
        vm.Kvm.Oracle.Check();
        Assert.Empty(Kinds(vm));
        // A fault that ignored mmu_invalidate_in_progress would install this (the pfn is still the host's: no stale-mapping).
        Assert.True(vm.Kvm.Mm.PageTable.TryGet(new Hva(Hva), out var pte));
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Map(new Ipa(Gpa), Sizes.PageSize, pte.PfnAt(new Hva(Hva)), S2Prot.RW, Cache()));
        vm.Kvm.Oracle.Check();
        Assert.Equal([ViolationKind.LeafInInvalidatedRange], Kinds(vm));
    }

    [Fact]
    public void FaultAfterRangeEnd_MapsWithoutViolation()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.Migrate, Hva));
        vm.Access(Gpa, AccessKind.Write, 2);
        Assert.True(vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Valid);
        Assert.Empty(Kinds(vm));
    }

    [Fact]
    public void UnmapThatLeavesADeviceBlock_IsLeafInInvalidatedRange()
    {
        // A device (PFNMAP) 2M block: an unmap that skipped non-Normal leaves would leave it; the rule names no memory type.
        var vm = TestVm.WithSlot(BackingKind.Device, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Read);
        var leaf = vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa));
        Assert.True(leaf.Valid && leaf.Leaf.IsBlock && leaf.Leaf.MemType == MemType.Device);
        vm.Kvm.Oracle.CheckUnmapped(new Ipa(Gpa + 0x1000), Sizes.PageSize);
        Assert.Equal([ViolationKind.LeafInInvalidatedRange], Kinds(vm));
    }

    [Fact]
    public void PartialMunmapOfADeviceBlock_UnmapsTheWholeBlock()
    {
        var vm = TestVm.WithSlot(BackingKind.Device, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Read);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.Munmap, Hva + 0x1000, Sizes.PageSize));
        Assert.False(vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Valid);
        Assert.Equal(1, vm.Kvm.Oracle.Reach[ReachPoint.PartialBlockUnmapDevice]);
        Assert.Empty(Kinds(vm));
    }

    // --- writable-after-wrprotect ---------------------------------------------------------------------------------

    [Fact]
    public void LoggingEnableThatSkippedTheWriteProtect_IsWritableAfterWrprotect()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        vm.Kvm.Oracle.LoggingWriteProtected(vm.Kvm.Memslots.ById(0)!);
        Assert.Equal([ViolationKind.WritableAfterWrprotect], Kinds(vm));
    }

    [Fact]
    public void LoggingEnable_WriteProtectsEveryLeafOfTheSlot()
    {
        var vm = TestVm.WithSlot(BackingKind.Thp, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        Drive.ToEnd(vm.SetFlags(0, MemslotFlags.LogDirtyPages));
        vm.Kvm.Oracle.Check();
        Assert.Equal(1, vm.Kvm.Oracle.Reach[ReachPoint.LoggingWriteProtect]);
        Assert.Empty(Kinds(vm));
    }

    [Fact]
    public void DirtyLogHarvestThatSkippedAPage_IsWritableAfterWrprotect()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, flags: MemslotFlags.LogDirtyPages);
        vm.Access(Gpa + 0x3000, AccessKind.Write, 1);
        Assert.True((vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa + 0x3000)).Leaf.Prot & S2Prot.W) != 0);
        vm.Kvm.Oracle.DirtyLogProtected(vm.Kvm.Memslots.ById(0)!, [3]);
        Assert.Equal([ViolationKind.WritableAfterWrprotect], Kinds(vm));
    }

    [Fact]
    public void GetDirtyLog_WriteProtectsEveryHarvestedPage()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, flags: MemslotFlags.LogDirtyPages);
        vm.Access(Gpa + 0x3000, AccessKind.Write, 1);
        vm.Access(Gpa + 0x9000, AccessKind.Write, 2);
        Assert.Equal([3UL, 9UL], vm.GetDirtyLog(0).Pages);
        Assert.Empty(Kinds(vm));
    }

    // --- block-after-eager-split ----------------------------------------------------------------------------------

    [Fact]
    public void EagerSplitThatLeftABlock_IsBlockAfterEagerSplit()
    {
        var vm = TestVm.WithSlot(BackingKind.Hugetlb2M, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        Assert.True(vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Leaf.IsBlock);
        vm.Kvm.Oracle.EagerSplitDone(vm.Kvm.Memslots.ById(0)!);
        Assert.Equal([ViolationKind.BlockAfterEagerSplit], Kinds(vm));
    }

    [Fact]
    public void LoggingEnableWithEagerSplit_LeavesNoBlock()
    {
        var vm = TestVm.WithSlot(BackingKind.Hugetlb2M, Sizes.PmdSize, new KvmConfig(EagerSplitChunk: Sizes.PmdSize));
        vm.Access(Gpa, AccessKind.Write, 1);
        Drive.ToEnd(vm.SetFlags(0, MemslotFlags.LogDirtyPages));
        vm.Kvm.Oracle.Check();
        Assert.False(vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Leaf.IsBlock);
        Assert.Equal(1, vm.Kvm.Oracle.Reach[ReachPoint.EagerSplitDone]);
        Assert.Empty(Kinds(vm));
    }

    // --- exec-without-exec-fault, icache-not-invalidated ----------------------------------------------------------

    [Fact]
    public void ExecutableMapFromAReadFault_IsExecWithoutExecFault()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var a = vm.Access(Gpa, AccessKind.Read);
        var h = a.Handler;
        h.State.Prot |= S2Prot.X; // what compute_prot would do if it set X for every fault
        vm.Kvm.Oracle.FaultMapped(a.Id, h.Abort, h.Desc!.Value, h.State);
        Assert.Equal([ViolationKind.ExecWithoutExecFault], Kinds(vm));
    }

    [Fact]
    public void ExecFaultWithoutDic_MapsExecutableAndInvalidatesTheIcache()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Read);
        vm.Access(Gpa, AccessKind.Exec); // relax adds X
        vm.Access(Gpa + 0x1000, AccessKind.Exec); // map with X
        Assert.True((vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Leaf.Prot & S2Prot.X) != 0);
        Assert.Equal(2, vm.Kvm.Oracle.Reach[ReachPoint.IcacheInvalPou]);
        Assert.Empty(Kinds(vm));
    }

    /// <summary>Forwards every stage-2 event to the oracle except the I-cache CMO: a pgtable that forgot it.</summary>
    private sealed class SkipsIcacheCmo(IStage2Observer inner) : IStage2Observer
    {
        public void LeafInstalled(in S2Leaf leaf) => inner.LeafInstalled(leaf);
        public void LeafRemoved(in S2Leaf leaf) => inner.LeafRemoved(leaf);
        public void LeafUpdated(in S2Leaf before, in S2Leaf after) => inner.LeafUpdated(before, after);
        public void UninitialisedMemcacheUsed() => inner.UninitialisedMemcacheUsed();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ExecutableLeafWithoutIcacheInvalidation_IsIcacheNotInvalidated(bool relax)
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        if (relax) vm.Access(Gpa, AccessKind.Read);
        vm.Kvm.Pgt.Observer = new SkipsIcacheCmo(vm.Kvm.Oracle);
        vm.Access(Gpa, AccessKind.Exec);
        Assert.Equal([ViolationKind.IcacheNotInvalidated], Kinds(vm));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void APageWrittenSinceItsLastInvalidation_NeedsANewOneToBecomeExecutable(bool skipCmo)
    {
        // The page was invalidated when it first became executable; the VMM then rewrote it (same pfn) while stage 2 did
        // not map it: the next exec map must invalidate again (stage2_map_walker_try_leaf does, at every executable install).
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        vm.Access(Gpa, AccessKind.Exec);
        var pfn = vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Leaf.Pfn;
        vm.RunHostOp(HostOp.Mprotect, TestVm.SlotHva, Sizes.PmdSize, HostProt.Read);
        vm.RunHostOp(HostOp.Mprotect, TestVm.SlotHva, Sizes.PmdSize, HostProt.Read | HostProt.Write);
        Assert.Equal(StepStatus.Done, new HostAccess(vm.Kvm, vm.NextId(), new Hva(TestVm.SlotHva), true, 7).RunToEnd().Status);
        if (skipCmo) vm.Kvm.Pgt.Observer = new SkipsIcacheCmo(vm.Kvm.Oracle);
        vm.Access(Gpa, AccessKind.Exec);
        Assert.Equal(pfn, vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Leaf.Pfn);
        Assert.Equal(skipCmo ? [ViolationKind.IcacheNotInvalidated] : [], Kinds(vm));
    }

    [Fact]
    public void EagerSplitOfAnExecutableBlock_NeedsNoNewIcacheInvalidation()
    {
        // kvm_pgtable_stage2_split builds its tables with KVM_PGTABLE_WALK_SKIP_CMO: the block's map already invalidated.
        var vm = TestVm.WithSlot(BackingKind.Hugetlb2M, Sizes.PmdSize, new KvmConfig(EagerSplitChunk: Sizes.PmdSize));
        vm.Access(Gpa, AccessKind.Exec);
        Assert.True(vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Leaf.IsBlock);
        Drive.ToEnd(vm.SetFlags(0, MemslotFlags.LogDirtyPages));
        vm.Kvm.Oracle.Check();
        Assert.False(vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Leaf.IsBlock);
        Assert.Empty(Kinds(vm));
    }

    // --- map-during-invalidation ----------------------------------------------------------------------------------

    [Fact]
    public void MapReportedWhileAnInvalidationIsInProgress_IsMapDuringInvalidation()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var a = vm.Access(Gpa, AccessKind.Write, 1);
        Drive.Until(vm.HostOp(HostOp.Migrate, Hva), "range-start");
        vm.Kvm.Oracle.FaultMapped(a.Id, a.Handler.Abort, a.Handler.Desc!.Value, a.Handler.State);
        Assert.Equal([ViolationKind.MapDuringInvalidation], Kinds(vm));
    }

    // --- prefault-range-unmapped ----------------------------------------------------------------------------------

    private static PreFaultMemory PreFault(TestVm vm, ulong gpa, ulong size) => new(vm.Kvm, vm.NextId(), vm.Kvm.Vcpus[0], new Ipa(gpa), size);

    /// <summary>Removes the page leaf at <paramref name="ipa"/> without the oracle seeing it go (as if it had never been mapped).</summary>
    private static void UnmapUnseen(TestVm vm, Ipa ipa)
    {
        var observer = vm.Kvm.Pgt.Observer;
        vm.Kvm.Pgt.Observer = null;
        vm.Kvm.Pgt.Unmap(ipa, Sizes.PageSize);
        vm.Kvm.Pgt.Observer = observer;
    }

    [Fact]
    public void PreFaultThatLeavesAProcessedPageUnmapped_IsPrefaultRangeUnmapped()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var pf = PreFault(vm, Gpa, 2 * Sizes.PageSize);
        while (pf.NextGpa.Value == Gpa) Assert.NotEqual(StepStatus.Blocked, pf.Step().Status);
        // The first page counts as processed; its leaf vanishing unseen (as if the pre-fault had skipped the map) ...
        UnmapUnseen(vm, new Ipa(Gpa));
        Drive.ToEnd(pf);
        Assert.Equal(Errno.Ok, pf.Result);
        Assert.Equal([ViolationKind.PrefaultRangeUnmapped], Kinds(vm));
    }

    [Fact]
    public void PreFaultWhosePageABlockToTableReplacementDropped_IsExcused()
    {
        // stage2_map_walk_leaf: a smaller concurrent fault replaces a block with an empty table; the rest is mapped lazily.
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var pf = PreFault(vm, Gpa, 2 * Sizes.PageSize);
        while (pf.NextGpa.Value == Gpa) Assert.NotEqual(StepStatus.Blocked, pf.Step().Status);
        vm.Kvm.Oracle.LeafRemoved(vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Leaf);
        UnmapUnseen(vm, new Ipa(Gpa));
        Drive.ToEnd(pf);
        Assert.Empty(Kinds(vm));
    }

    [Fact]
    public void PreFaultFromAnUnalignedAddress_MapsItsWholeRange()
    {
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize);
        var pf = PreFault(vm, Gpa + Sizes.PmdSize - 0x3000, 0x6000); // crosses the 2M boundary
        Drive.ToEnd(pf);
        Assert.Equal(0x6000UL, pf.Processed);
        vm.Kvm.Oracle.Check();
        Assert.Equal(1, vm.Kvm.Oracle.Reach[ReachPoint.PreFaultUnaligned]);
        Assert.Empty(Kinds(vm));
    }

    [Fact]
    public void PreFaultWhosePageAnInvalidationUnmapped_IsExcused()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        var pf = PreFault(vm, Gpa, 2 * Sizes.PageSize);
        while (pf.NextGpa.Value == Gpa) Assert.NotEqual(StepStatus.Blocked, pf.Step().Status);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.MadviseDontneed, Hva));
        Drive.ToEnd(pf);
        vm.Kvm.Oracle.Check();
        Assert.Empty(Kinds(vm));
    }

    // --- unreadable-leaf ------------------------------------------------------------------------------------------

    [Fact]
    public void LeafWithoutReadPermission_IsUnreadableLeaf()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        var pfn = vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Leaf.Pfn;
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Map(new Ipa(Gpa + 0x1000), Sizes.PageSize, pfn, S2Prot.W, Cache()));
        vm.Kvm.Oracle.Check();
        Assert.Contains(ViolationKind.UnreadableLeaf, Kinds(vm));
    }

    // --- the reachability report ----------------------------------------------------------------------------------

    [Fact]
    public void EveryReachPoint_HasOneName()
    {
        Assert.Equal(Enum.GetValues<ReachPoint>().Length, Reachability.Names.Length);
        Assert.Equal(Reachability.Names.Length, Reachability.Names.Distinct().Count());
    }

    // --- page-ref-leak with nothing in flight (CheckReferencesPut) -------------------------------------------------
    // The planted mistake: a get_user_pages whose put_page never comes (a release path that drops the put but keeps the
    // fault's bookkeeping); the faithful faults and host work leave none.

    [Fact]
    public void FaultsAndHostWork_PutEveryReference()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 7);
        vm.Access(Gpa + Sizes.PageSize, AccessKind.Read, 0);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.Migrate, Hva));
        vm.Access(Gpa, AccessKind.Exec, 0);
        vm.Kvm.Oracle.CheckReferencesPut();
        Assert.Equal(0, vm.Kvm.Mm.GupRefsHeld);
        Assert.Empty(Kinds(vm));
    }

    [Fact]
    public void ReferenceTakenAndNeverPut_IsPageRefLeak()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        var r = vm.Kvm.Mm.FaultIn(new Hva(Hva), write: false, takeRef: true);
        Assert.Equal(HostFaultStatus.Ok, r.Status);
        vm.Kvm.Oracle.CheckReferencesPut();
        Assert.Equal([ViolationKind.PageRefLeak], Kinds(vm));

        Assert.True(vm.Kvm.Mm.PutPage(r.Folio!, dirty: false));
        Assert.Equal(0, vm.Kvm.Mm.GupRefsHeld);
    }

    // --- split-changed-mapping --------------------------------------------------------------------------------------
    // The faithful eager split keeps every page of the block mapped to the same pfn with the same permissions; a split
    // that lost a page, or put another pfn under one, is caught.

    private static TestVm WithBlock()
    {
        var vm = TestVm.WithSlot(BackingKind.Hugetlb2M, Sizes.PmdSize, new KvmConfig(EagerSplitChunk: Sizes.PmdSize));
        vm.Access(Gpa, AccessKind.Write, 1);
        Assert.True(vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Leaf.IsBlock);
        return vm;
    }

    [Fact]
    public void EagerSplitOnLoggingEnable_KeepsEveryPage()
    {
        var vm = WithBlock();
        var block = vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Leaf;
        Drive.ToEnd(vm.SetFlags(0, MemslotFlags.LogDirtyPages));
        var page = vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa + 5 * Sizes.PageSize)).Leaf;
        Assert.False(page.IsBlock);
        Assert.Equal(block.Pfn + 5, page.Pfn);
        Assert.Empty(Kinds(vm));
    }

    [Fact]
    public void SplitThatLostAPage_IsSplitChangedMapping()
    {
        var vm = WithBlock();
        vm.Kvm.Oracle.SplitStarting(new Ipa(Gpa), Sizes.PmdSize);
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Split(new Ipa(Gpa), Sizes.PmdSize, Cache()));
        vm.Kvm.Pgt.Unmap(new Ipa(Gpa + 7 * Sizes.PageSize), Sizes.PageSize); // as if the unlinked table had left it out
        vm.Kvm.Oracle.SplitFinished();
        Assert.Equal([ViolationKind.SplitChangedMapping], Kinds(vm));
    }

    [Fact]
    public void SplitThatPutAnotherPfnUnderAPage_IsSplitChangedMapping()
    {
        var vm = WithBlock();
        var block = vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Leaf;
        vm.Kvm.Oracle.SplitStarting(new Ipa(Gpa), Sizes.PmdSize);
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Split(new Ipa(Gpa), Sizes.PmdSize, Cache()));
        var ipa = new Ipa(Gpa + 3 * Sizes.PageSize);
        vm.Kvm.Pgt.Unmap(ipa, Sizes.PageSize);
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Map(ipa, Sizes.PageSize, block.Pfn + 4, block.Prot, Cache())); // the next page's pfn
        vm.Kvm.Oracle.SplitFinished();
        Assert.Equal([ViolationKind.SplitChangedMapping], Kinds(vm));
    }

    [Fact]
    public void SplitOfAnAgedBlock_LeavesYoungPages_AndAnOldSplitLeafIsSplitChangedMapping()
    {
        // create_unlinked builds the new leaves with stage2_set_prot_attr, which sets the AF whatever the block's was.
        var vm = WithBlock();
        Assert.True(vm.Kvm.Pgt.TestClearYoung(new Ipa(Gpa), Sizes.PmdSize, mkold: true));
        vm.Kvm.Oracle.SplitStarting(new Ipa(Gpa), Sizes.PmdSize);
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Split(new Ipa(Gpa), Sizes.PmdSize, Cache()));
        vm.Kvm.Oracle.SplitFinished();
        Assert.Empty(Kinds(vm));
        Assert.True(vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa + 9 * Sizes.PageSize)).Leaf.Young);

        var old = WithBlock();
        old.Kvm.Oracle.SplitStarting(new Ipa(Gpa), Sizes.PmdSize);
        Assert.Equal(Errno.Ok, old.Kvm.Pgt.Split(new Ipa(Gpa), Sizes.PmdSize, Cache()));
        Assert.True(old.Kvm.Pgt.TestClearYoung(new Ipa(Gpa + 9 * Sizes.PageSize), Sizes.PageSize, mkold: true)); // as if built old
        old.Kvm.Oracle.SplitFinished();
        Assert.Equal([ViolationKind.SplitChangedMapping], Kinds(old));
    }

    // --- split-cache-overrun ----------------------------------------------------------------------------------------

    private static TestVm WithThreeBlocks()
    {
        var vm = TestVm.WithSlot(BackingKind.Hugetlb2M, 3 * Sizes.PmdSize, new KvmConfig(EagerSplitChunk: Sizes.PmdSize));
        for (ulong i = 0; i < 3; i++) vm.Access(Gpa + i * Sizes.PmdSize, AccessKind.Write, 1);
        return vm;
    }

    [Fact]
    public void OneSplitWalkOverThreeChunks_IsSplitCacheOverrun()
    {
        var vm = WithThreeBlocks();
        var cache = Cache();
        vm.Kvm.Oracle.SplitStarting(new Ipa(Gpa), 3 * Sizes.PmdSize, cache); // as if the walk ignored the chunk size
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Split(new Ipa(Gpa), 3 * Sizes.PmdSize, cache));
        vm.Kvm.Oracle.SplitFinished();
        Assert.Equal([ViolationKind.SplitCacheOverrun], Kinds(vm));
    }

    [Fact]
    public void LoggingEnableOverThreeBlocks_SplitsChunkByChunk_WithinTheCache()
    {
        var vm = WithThreeBlocks();
        Drive.ToEnd(vm.SetFlags(0, MemslotFlags.LogDirtyPages));
        vm.Kvm.Oracle.Check();
        Assert.Equal(3, vm.Kvm.SplitPageCache.PagesConsumed);
        Assert.Empty(Kinds(vm));
    }

    // --- block-after-eager-split: the split's shape ----------------------------------------------------------------
    // stage2_split_walker builds a 1G block straight down to pages when the cache holds the 513 pages that takes (what a
    // 1G chunk's top-up gives); with fewer it makes 2M blocks and splits only those in the range.

    private static TestVm With1GBlock(ulong chunk = Sizes.PudSize)
    {
        var vm = TestVm.WithSlot(BackingKind.Hugetlb1G, Sizes.PudSize, new KvmConfig(EagerSplitChunk: chunk));
        vm.Access(Gpa, AccessKind.Write, 1);
        Assert.Equal(Sizes.PudSize, vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Leaf.Size);
        return vm;
    }

    private static void SplitFirst64Pages(TestVm vm, KvmMmuMemoryCache told, KvmMmuMemoryCache used)
    {
        vm.Kvm.Oracle.SplitStarting(new Ipa(Gpa), 64 * Sizes.PageSize, told);
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Split(new Ipa(Gpa), 64 * Sizes.PageSize, used));
        vm.Kvm.Oracle.SplitFinished();
    }

    [Fact]
    public void SplitOfA1GBlockWithTheWholeCache_LeavesOnlyPages()
    {
        var vm = With1GBlock();
        var cache = S2.Cache(513);
        SplitFirst64Pages(vm, cache, cache);
        Assert.Equal(Sizes.PageSize, vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa + 300 * Sizes.PmdSize)).Leaf.Size);
        Assert.Empty(Kinds(vm));
    }

    [Fact]
    public void SplitOfA1GBlockWithTwoPages_Leaves2MBlocksOutsideTheRange()
    {
        var vm = With1GBlock(Sizes.PmdSize); // a 2M chunk's top-up: two pages
        var cache = S2.Cache(2);
        SplitFirst64Pages(vm, cache, cache);
        Assert.Equal(Sizes.PageSize, vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Leaf.Size);
        Assert.Equal(Sizes.PmdSize, vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa + Sizes.PmdSize)).Leaf.Size);
        Assert.Empty(Kinds(vm));
    }

    [Fact]
    public void A2MBlockLeftInA1GBlockTheCacheCouldRebuildWhole_IsBlockAfterEagerSplit()
    {
        // As if the walker tested nobjs > nr_pages: a cache of exactly 513 pages splits the block as two pages would.
        var vm = With1GBlock();
        SplitFirst64Pages(vm, S2.Cache(513), S2.Cache(2));
        Assert.Equal([ViolationKind.BlockAfterEagerSplit], Kinds(vm));
    }

    [Fact]
    public void SplitWalkStartingBelowTheChunksTopUp_IsSplitCacheOverrun()
    {
        // As if kvm_mmu_split_nr_page_tables(1G) came out as 2: the walk starts with a cache the kernel would top up first.
        var vm = With1GBlock();
        var cache = S2.Cache(2);
        SplitFirst64Pages(vm, cache, cache);
        Assert.Equal([ViolationKind.SplitCacheOverrun], Kinds(vm));
    }

    // --- lock-violation: sleeping holding mmu_lock; srcu-not-released: an unpaired srcu_read_unlock ------------------

    [Theory]
    [InlineData(false, "kvm_mmu_topup_memory_cache")] // the empty vCPU cache's GFP_KERNEL top-up may sleep
    [InlineData(true, "MmapRead")] // a full cache allocates nothing; mmap_read_lock (an rwsem) still may sleep
    public void FaultThatMaySleepHoldingMmuLock_IsLockViolation(bool cacheFull, string site)
    {
        // As if kvm_fault_lock had moved before prepare_mmu_memcache and the VMA lookup.
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        if (cacheFull) Assert.Equal(Errno.Ok, vm.Kvm.Vcpus[0].MmuPageCache.TopUp(KvmMmuMemoryCache.DefaultCapacity));
        var a = vm.Start(Gpa, AccessKind.Write, 1);
        Assert.True(vm.Kvm.MmuLock.TryAcquireRead(a.Id));
        Drive.Until(a, "vma-snapshot");
        Assert.Equal([ViolationKind.LockViolation], Kinds(vm));
        Assert.Contains(site, vm.Kvm.Oracle.Violations[0].Detail);
    }

    [Fact]
    public void FaultTopsUpAndFaultsInBeforeTakingMmuLock_NoViolation()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var a = vm.Access(Gpa, AccessKind.Write, 1);
        Assert.NotEmpty(a.Faults);
        Assert.Equal(LockMode.None, vm.Kvm.MmuLock.ModeOf(a.Id));
        Assert.Empty(Kinds(vm));
    }

    [Fact]
    public void SrcuReadUnlockOutsideAReadSection_IsSrcuNotReleased()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Kvm.Srcu.ReadLock(7);
        vm.Kvm.Srcu.ReadUnlock(7);
        Assert.Empty(Kinds(vm));
        vm.Kvm.Srcu.ReadUnlock(7); // the second unlock of one read section
        Assert.Equal([ViolationKind.SrcuNotReleased], Kinds(vm));
    }
}
