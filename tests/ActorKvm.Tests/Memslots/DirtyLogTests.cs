using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Memslots;

/// <summary>Dirty logging: enable, faults while logging, GET and CLEAR.</summary>
public class DirtyLogTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    private static void EnableLogging(TestVm vm)
    {
        var u = vm.SetFlags(0, MemslotFlags.LogDirtyPages);
        Drive.ToEnd(u);
        Assert.Equal(Errno.Ok, u.Result);
        vm.Kvm.Oracle.Check();
    }

    private static DirtyBitmap Bitmap(TestVm vm) => vm.Kvm.Memslots.ById(0)!.DirtyBitmap!;

    [Fact]
    public void WriteFaultWhileLogging_MapsSinglePageWritableAndMarksDirty()
    {
        // user_mem_abort: force_pte while logging; mark_page_dirty_in_slot(gfn) after a writable map
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize, flags: MemslotFlags.LogDirtyPages);
        vm.Access(Gpa + 0x5000, AccessKind.Write, 8);
        var leaf = vm.Leaf(Gpa + 0x5000).Leaf;
        Assert.Equal(Sizes.PageSize, leaf.Size);
        Assert.NotEqual(S2Prot.None, leaf.Prot & S2Prot.W);
        Assert.Equal([5UL], Bitmap(vm).SetOffsets());
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void EnablingLogging_WriteProtectsEveryLeafIncludingBlocks()
    {
        // kvm_arch_commit_memory_region -> kvm_mmu_wp_memory_region (kvm_pgtable_stage2_wrprotect whole blocks)
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        Assert.Equal(Sizes.PmdSize, vm.Leaf(Gpa).Leaf.Size);
        EnableLogging(vm);
        var leaf = vm.Leaf(Gpa).Leaf;
        Assert.Equal(Sizes.PmdSize, leaf.Size);
        Assert.Equal(S2Prot.None, leaf.Prot & S2Prot.W);
        Assert.Empty(Bitmap(vm).SetOffsets());
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void WriteToWriteProtectedBlockWhileLogging_SplitsAndMapsOnlyTheFaultingPage()
    {
        // user_mem_abort: permission fault, force_pte -> vma_pagesize != fault_granule -> map at 4K, rest of block dropped
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        EnableLogging(vm);
        var a = vm.Access(Gpa + 0x3000, AccessKind.Write, 2);
        Assert.Equal([FaultResult.Map], a.Faults);
        Assert.Equal(Sizes.PageSize, vm.Leaf(Gpa + 0x3000).Leaf.Size);
        Assert.False(vm.Leaf(Gpa).Valid);
        Assert.Equal([3UL], Bitmap(vm).SetOffsets());
        Assert.Equal(1UL, vm.Access(Gpa, AccessKind.Read).ReadValue);
        Assert.Equal(S2Prot.None, vm.Leaf(Gpa).Leaf.Prot & S2Prot.W);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void EagerSplitOnEnable_ReplacesBlocksByReadOnlyPagesPreservingTheMapping()
    {
        // kvm_mmu_split_memory_region with KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE: blocks become full 4K tables
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize, new KvmConfig(EagerSplitChunk: Sizes.PmdSize));
        vm.Access(Gpa, AccessKind.Write, 1);
        var block = vm.Leaf(Gpa).Leaf;
        EnableLogging(vm);
        var leaf = vm.Leaf(Gpa + 0x7000).Leaf;
        Assert.Equal(Sizes.PageSize, leaf.Size);
        Assert.Equal(block.Pfn + 7, leaf.Pfn);
        Assert.Equal(S2Prot.None, leaf.Prot & S2Prot.W);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void GetDirtyLog_ReportsAndWriteProtectsHarvestedPagesInTheSameSection()
    {
        // kvm_get_dirty_log_protect: xchg word with 0 and kvm_arch_mmu_enable_log_dirty_pt_masked under the write lock
        var vm = TestVm.WithSlot(BackingKind.Anon, 2 * Sizes.PmdSize, flags: MemslotFlags.LogDirtyPages);
        vm.Access(Gpa + 0x1000, AccessKind.Write, 1);
        vm.Access(Gpa + 0x4000, AccessKind.Write, 2);
        var d = vm.GetDirtyLog(0);
        Assert.Equal(Errno.Ok, d.Result);
        Assert.Equal([1UL, 4UL], d.Pages);
        Assert.Empty(Bitmap(vm).SetOffsets());
        Assert.Equal(S2Prot.None, vm.Leaf(Gpa + 0x1000).Leaf.Prot & S2Prot.W);
        Assert.Equal(S2Prot.None, vm.Leaf(Gpa + 0x4000).Leaf.Prot & S2Prot.W);
        var again = vm.Access(Gpa + 0x1000, AccessKind.Write, 3);
        Assert.Equal([FaultResult.Relax], again.Faults);
        Assert.Equal([1UL], vm.GetDirtyLog(0).Pages);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void GetDirtyLogWithManualProtect_CopiesBitmapAndProtectsNothing()
    {
        // kvm_get_dirty_log_protect: manual protect -> copy the live bitmap, clear nothing, write-protect nothing
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(ManualDirtyProtect: true), MemslotFlags.LogDirtyPages);
        vm.Access(Gpa, AccessKind.Write, 1);
        Assert.Equal([0UL], vm.GetDirtyLog(0).Pages);
        Assert.Equal([0UL], Bitmap(vm).SetOffsets());
        Assert.NotEqual(S2Prot.None, vm.Leaf(Gpa).Leaf.Prot & S2Prot.W);
    }

    [Fact]
    public void GetDirtyLogOnSlotWithoutBitmap_FailsWithEnoent()
    {
        // kvm_get_dirty_log_protect: no dirty bitmap -> -ENOENT
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var d = new DirtyLogIoctl(vm.Kvm, vm.NextId(), 0, clear: false);
        Drive.ToEnd(d);
        Assert.Equal(Errno.ENOENT, d.Result);
    }

    [Theory]
    [InlineData(1UL, 64UL, Errno.EINVAL)]    // first_page % 64 != 0
    [InlineData(0UL, 63UL, Errno.EINVAL)]    // num_pages not a multiple of 64 and not reaching the end
    [InlineData(64UL, 64UL, Errno.Ok)]
    [InlineData(448UL, 64UL, Errno.Ok)]      // ends exactly at the slot end
    [InlineData(448UL, 65UL, Errno.EINVAL)]  // num_pages > npages - first_page
    [InlineData(0UL, 512UL, Errno.Ok)]
    public void ClearDirtyLog_RequiresSixtyFourPageAlignmentUnlessReachingTheSlotEnd(ulong first, ulong count, Errno expected)
    {
        // kvm_clear_dirty_log_protect: first_page % 64, first_page <= npages, num_pages <= npages - first, num_pages % 64 unless at end
        var vm = TestVm.WithSlot(BackingKind.Anon, 2 * Sizes.PmdSize / 2, new KvmConfig(ManualDirtyProtect: true), MemslotFlags.LogDirtyPages);
        var d = new DirtyLogIoctl(vm.Kvm, vm.NextId(), 0, clear: true, first, count);
        Drive.ToEnd(d);
        Assert.Equal(expected, d.Result);
    }

    [Fact]
    public void ClearDirtyLog_ClearsOnlyRequestedBitsAndWriteProtectsThem()
    {
        // kvm_clear_dirty_log_protect: cleared = mask & fetch_andnot(word, mask) -> enable_log_dirty_pt_masked
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(ManualDirtyProtect: true), MemslotFlags.LogDirtyPages);
        vm.Access(Gpa + 0x1000, AccessKind.Write, 1);
        vm.Access(Gpa + 64 * 0x1000, AccessKind.Write, 2);
        var d = new DirtyLogIoctl(vm.Kvm, vm.NextId(), 0, clear: true, 0, 64);
        Drive.ToEnd(d);
        Assert.Equal(Errno.Ok, d.Result);
        Assert.Equal([64UL], Bitmap(vm).SetOffsets());
        Assert.Equal(S2Prot.None, vm.Leaf(Gpa + 0x1000).Leaf.Prot & S2Prot.W);
        Assert.NotEqual(S2Prot.None, vm.Leaf(Gpa + 64 * 0x1000).Leaf.Prot & S2Prot.W);
        vm.Kvm.Oracle.Check();
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void EnablingLoggingWithInitiallyAllSet_LeavesWritableBlocksAlone()
    {
        // kvm_arch_commit_memory_region: manual protect + initially-all-set -> no write-protect at enable
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize, new KvmConfig(ManualDirtyProtect: true, InitiallyAllSet: true));
        vm.Access(Gpa, AccessKind.Write, 1);
        EnableLogging(vm);
        var leaf = vm.Leaf(Gpa).Leaf;
        Assert.Equal(Sizes.PmdSize, leaf.Size);
        Assert.NotEqual(S2Prot.None, leaf.Prot & S2Prot.W);
        Assert.Equal(1024, Bitmap(vm).SetOffsets().Count);
        vm.Kvm.Oracle.CheckAll();
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void ClearDirtyLogWithInitiallyAllSet_WriteProtectsTheClearedBlock()
    {
        // kvm_arch_mmu_enable_log_dirty_pt_masked: write-protect the span (whole block), split if eager split is on
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize, new KvmConfig(ManualDirtyProtect: true, InitiallyAllSet: true));
        vm.Access(Gpa, AccessKind.Write, 1);
        EnableLogging(vm);
        var d = new DirtyLogIoctl(vm.Kvm, vm.NextId(), 0, clear: true, 0, 64);
        Drive.ToEnd(d);
        Assert.Equal(S2Prot.None, vm.Leaf(Gpa).Leaf.Prot & S2Prot.W);
        vm.Kvm.Oracle.CheckAll();
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void DisablingLogging_LeavesStageTwoAloneAndBlocksComeBackLazily()
    {
        // kvm_arch_commit_memory_region: logging off only frees the split cache; a later fault uses THP size again
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize, flags: MemslotFlags.LogDirtyPages);
        vm.Access(Gpa, AccessKind.Write, 1);
        Drive.ToEnd(vm.SetFlags(0, MemslotFlags.None));
        Assert.Equal(Sizes.PageSize, vm.Leaf(Gpa).Leaf.Size);
        Assert.Null(vm.Kvm.Memslots.ById(0)!.DirtyBitmap);
        vm.Access(Gpa + Sizes.PmdSize, AccessKind.Write, 2);
        Assert.Equal(Sizes.PmdSize, vm.Leaf(Gpa + Sizes.PmdSize).Leaf.Size);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void WritePermissionFaultOnPageAfterLoggingOff_CollapsesTheTableIntoABlock()
    {
        // user_mem_abort: fault_is_perm but vma_pagesize (THP 2M) != fault_granule (4K) -> map -> table->block collapse
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize, flags: MemslotFlags.LogDirtyPages);
        vm.Access(Gpa, AccessKind.Write, 1);
        vm.Access(Gpa + 0x1000, AccessKind.Read);
        vm.GetDirtyLog(0);
        Drive.ToEnd(vm.SetFlags(0, MemslotFlags.None));
        Assert.Equal(Sizes.PageSize, vm.Leaf(Gpa).Leaf.Size);
        var a = vm.Access(Gpa, AccessKind.Write, 2);
        Assert.Equal([FaultResult.Map], a.Faults);
        var leaf = vm.Leaf(Gpa + 0x1000).Leaf;
        Assert.Equal(Sizes.PmdSize, leaf.Size);
        Assert.NotEqual(S2Prot.None, leaf.Prot & S2Prot.W);
        Assert.Equal(2UL, vm.HostRead(Hva));
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void ReadOnlySlotWithLogFlag_IsNotLogging()
    {
        // memslot_is_logging: dirty_bitmap && !(flags & KVM_MEM_READONLY)
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize, flags: MemslotFlags.LogDirtyPages | MemslotFlags.ReadOnly);
        Assert.False(vm.Kvm.Memslots.ById(0)!.IsLogging);
        vm.Access(Gpa, AccessKind.Read);
        Assert.Equal(Sizes.PmdSize, vm.Leaf(Gpa).Leaf.Size);
    }

    [Fact]
    public void LoggingOnPfnmapSlot_IsRefused()
    {
        // kvm_arch_prepare_memory_region: VM_PFNMAP with KVM_MEM_LOG_DIRTY_PAGES -> -EINVAL
        var vm = TestVm.WithSlot(BackingKind.Device, Sizes.PmdSize);
        var u = vm.SetFlags(0, MemslotFlags.LogDirtyPages);
        Drive.ToEnd(u);
        Assert.Equal(Errno.EINVAL, u.Result);
    }
}
