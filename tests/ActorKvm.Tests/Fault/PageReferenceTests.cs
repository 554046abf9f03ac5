using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Fault;

/// <summary>Invariant 16: every reference taken by <c>__kvm_faultin_pfn</c> is released exactly once on every exit path.</summary>
public class PageReferenceTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    [Fact]
    public void FaultHoldsOneReferenceFromFaultinUntilComplete()
    {
        // kvm_s2_fault_pin_pfn takes the reference; kvm_release_faultin_page drops it under mmu_lock
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var a = vm.Start(Gpa, AccessKind.Write, 1);
        Drive.Until(a, "pfn-faultin");
        Assert.Equal(1, vm.Kvm.OutstandingFaultRefs);
        Drive.Until(a, "map");
        Assert.Equal(1, vm.Kvm.OutstandingFaultRefs);
        Drive.ToEnd(a);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
        Assert.Equal(0, vm.Kvm.Phys.FolioOf(vm.Leaf(Gpa).Leaf.Pfn)!.GupRefs);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void SuccessfulWritableFault_ReleasesThePageDirty()
    {
        // kvm_release_faultin_page(unused = false, dirty = writable) marks the folio dirty
        var vm = TestVm.WithSlot(BackingKind.Shmem, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        var folio = vm.Kvm.Phys.FolioOf(vm.Leaf(Gpa).Leaf.Pfn)!;
        Assert.True(folio.Dirty);
        Assert.Equal(0, folio.GupRefs);
    }

    [Fact]
    public void RetriedFault_ReleasesThePageUnusedAndMarksNothingDirty()
    {
        // user_mem_abort: mmu_invalidate_retry -> -EAGAIN -> release unused, no mark_page_dirty_in_slot
        var vm = TestVm.WithSlot(BackingKind.Anon, 2 * Sizes.PmdSize, flags: Model.Memslots.MemslotFlags.LogDirtyPages);
        vm.Access(Gpa, AccessKind.Write, 1);
        vm.GetDirtyLog(0);
        var a = vm.Start(Gpa, AccessKind.Write, 2);
        Drive.Until(a, "prot-computed");
        Assert.Equal(1, vm.Kvm.OutstandingFaultRefs);
        var h = vm.HostOp(HostOp.MadviseDontneed, Hva + Sizes.PmdSize);
        Drive.Until(h, "range-start");
        Assert.Equal(StepStatus.Blocked, a.RunToEnd().Status);
        Assert.Equal([FaultResult.Retry], a.Faults);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
        Assert.False(vm.Kvm.Memslots.ById(0)!.DirtyBitmap!.Test(0));
        Drive.ToEnd(h);
        Drive.ToEnd(a);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
        Assert.True(vm.Kvm.Memslots.ById(0)!.DirtyBitmap!.Test(0));
        vm.Kvm.Oracle.Check();
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void ErrorAfterFaultinBeforeTheLock_ReleasesThePage()
    {
        // out_put_page / release-unused exit: -EFAULT from compute_prot (MTE not allowed) holds no reference
        var vm = new TestVm(new KvmConfig(Mte: true)).Slot(0, Gpa, Sizes.PmdSize, Hva).Vma(Hva, Sizes.PmdSize, BackingKind.File);
        var a = vm.Start(Gpa, AccessKind.Read);
        Drive.Until(a, "pfn-faultin");
        Assert.Equal(1, vm.Kvm.OutstandingFaultRefs);
        Drive.ToEnd(a);
        Assert.Equal("efault", a.Exit.Name);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void HwpoisonExit_HoldsNoReference()
    {
        // kvm_s2_fault_pin_pfn: KVM_PFN_ERR_HWPOISON -> kvm_send_hwpoison_signal, return 0, no page held
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        vm.RunHostOp(HostOp.Poison, Hva);
        var a = vm.Access(Gpa, AccessKind.Read);
        Assert.Equal("sigbus-hwpoison", a.Exit.Name);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
    }

    [Fact]
    public void SpuriousFaultWhoseMappingAppearedMeanwhile_ReleasesThePage()
    {
        // kvm_pgtable_stage2_map -> -EAGAIN (identical leaf already there) -> treated as retry, page released unused
        var vm = TestVm.WithSlot(BackingKind.Shmem, Sizes.PmdSize, new KvmConfig(Vcpus: 2));
        var a0 = vm.Start(Gpa, AccessKind.Read, vcpu: 0);
        var a1 = vm.Start(Gpa, AccessKind.Read, vcpu: 1);
        Drive.Until(a0, "prot-computed");
        Drive.Until(a1, "prot-computed");
        Drive.ToEnd(a0);
        Drive.ToEnd(a1);
        Assert.Equal([FaultResult.Spurious], a1.Faults);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
        vm.Kvm.Oracle.Check();
        Assert.Empty(vm.Violations);
    }
}
