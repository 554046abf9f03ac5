using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Memslots;

/// <summary><c>kvm_set_memslot</c>: invalidate → SRCU sync → flush → install.</summary>
public class SrcuTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    private static MemslotUpdate Delete(TestVm vm) =>
        new(vm.Kvm, vm.NextId(), new MemslotRequest(0, new Ipa(Gpa), 0, new Hva(Hva), MemslotFlags.None));

    [Fact]
    public void MemslotDelete_WaitsForAFaultThatLookedUpTheOldSlotAndThenUnmapsItsLeaf()
    {
        // kvm_invalidate_memslot: synchronize_srcu_expedited waits for faults inside srcu_read_lock;
        // kvm_arch_flush_shadow_memslot then removes whatever they mapped
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var a = vm.Start(Gpa, AccessKind.Write, 1);
        Drive.Until(a, "memslot-lookup");
        var u = Delete(vm);
        var r = u.Step();
        Assert.Equal(StepStatus.Blocked, r.Status);
        Assert.Equal("synchronize_srcu", r.Wait!.Reason);
        Assert.Contains(a.Id, r.Wait.On);
        Drive.ToEnd(a);
        Assert.Equal("ok", a.Exit.Name);
        Assert.True(vm.Leaf(Gpa).Valid);
        Drive.ToEnd(u);
        Assert.Equal(Errno.Ok, u.Result);
        Assert.False(vm.Leaf(Gpa).Valid);
        vm.Kvm.Oracle.CheckAll();
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void LeafInstalledWhileDeleteWaitsForSrcu_IsAllowedUntilTheFlush()
    {
        // kvm_invalidate_memslot: between publishing the INVALID slot and the end of kvm_arch_flush_shadow_memslot,
        // a leaf installed by a fault that looked up the old slot may linger (invariant 7a)
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var a = vm.Start(Gpa, AccessKind.Write, 1);
        Drive.Until(a, "memslot-lookup");
        var u = Delete(vm);
        Assert.Equal(StepStatus.Blocked, u.Step().Status);
        Drive.ToEnd(a);
        Assert.True(vm.Leaf(Gpa).Valid);
        vm.Kvm.Oracle.Check();
        Assert.Empty(vm.Violations);
        Drive.ToEnd(u);
        vm.Kvm.Oracle.CheckAll();
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void FaultWhileOldSlotIsInvalid_TakesTheMmioPath()
    {
        // __gfn_to_hva_many: KVM_MEMSLOT_INVALID -> error hva -> io_mem_abort
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var u = Delete(vm);
        Drive.Until(u, "slot-invalidated");
        Assert.True(vm.Kvm.Memslots.ById(0)!.Invalid);
        var a = vm.Access(Gpa, AccessKind.Read);
        Assert.Equal("mmio", a.Exit.Name);
        Drive.ToEnd(u);
    }

    [Fact]
    public void FaultStartedAfterSync_IsNotWaitedFor()
    {
        // synchronize_srcu waits only for readers that started before it
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var u = Delete(vm);
        Drive.Until(u, "slot-invalidated");
        var a = vm.Start(Gpa, AccessKind.Read);
        Drive.Until(a, "classify");
        Drive.ToEnd(u);
        Drive.ToEnd(a);
        Assert.Equal("mmio", a.Exit.Name);
    }

    [Fact]
    public void MemslotMove_UnmapsOldRangeAndFaultsAtNewBaseSeeTheSameMemory()
    {
        // kvm_set_memslot(KVM_MR_MOVE): invalidate + flush the old range, then install at the new base
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 11);
        var newGpa = Gpa + Sizes.PudSize;
        var u = new MemslotUpdate(vm.Kvm, vm.NextId(), new MemslotRequest(0, new Ipa(newGpa), Sizes.PmdSize, new Hva(Hva), MemslotFlags.None));
        Drive.ToEnd(u);
        Assert.Equal(Errno.Ok, u.Result);
        Assert.False(vm.Leaf(Gpa).Valid);
        Assert.Equal(11UL, vm.Access(newGpa, AccessKind.Read).ReadValue);
        Assert.Equal("mmio", vm.Access(Gpa, AccessKind.Read).Exit.Name);
        vm.Kvm.Oracle.CheckAll();
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void MemslotChanges_DoNotBumpTheInvalidationSequence()
    {
        // kvm_set_memslot: memslot delete/move does not use invalidate begin/end
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        Drive.ToEnd(Delete(vm));
        Assert.Equal(0UL, vm.Kvm.Notifier.MmuInvalidateSeq);
    }

    [Fact]
    public void OverlappingCreate_FailsWithEexist()
    {
        // kvm_set_memory_region: CREATE overlapping another slot's gfn range -> -EEXIST
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize).Vma(0x7e00_0000_0000, Sizes.PmdSize, BackingKind.Anon);
        var u = new MemslotUpdate(vm.Kvm, vm.NextId(), new MemslotRequest(1, new Ipa(Gpa + 0x1000), Sizes.PmdSize, new Hva(0x7e00_0000_0000), MemslotFlags.None));
        Drive.ToEnd(u);
        Assert.Equal(Errno.EEXIST, u.Result);
    }

    [Fact]
    public void SlotBeyondIpaSize_FailsWithEfault()
    {
        // kvm_arch_prepare_memory_region: base_gfn + npages > kvm_phys_size >> PAGE_SHIFT -> -EFAULT
        var vm = new TestVm(new KvmConfig(IpaBits: 32)).Vma(Hva, Sizes.PmdSize, BackingKind.Anon);
        var u = new MemslotUpdate(vm.Kvm, vm.NextId(), new MemslotRequest(0, new Ipa((1UL << 32) - 0x1000), Sizes.PmdSize, new Hva(Hva), MemslotFlags.None));
        Drive.ToEnd(u);
        Assert.Equal(Errno.EFAULT, u.Result);
    }
}
