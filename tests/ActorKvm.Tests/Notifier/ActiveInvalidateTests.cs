using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Notifier;

/// <summary><c>mn_active_invalidate_count</c>: memslot swaps wait until every notifier start() has its end().</summary>
public class ActiveInvalidateTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;
    private const ulong OtherHva = 0x7e00_0000_0000;

    [Fact]
    public void MemslotCreateDuringActiveInvalidation_WaitsForRangeEnd()
    {
        // kvm_swap_active_memslots: waits for mn_active_invalidate_count == 0
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize).Vma(OtherHva, Sizes.PmdSize, BackingKind.Anon);
        var h = vm.HostOp(HostOp.MadviseDontneed, Hva);
        Drive.Until(h, "range-start");
        Assert.Equal(1, vm.Kvm.Notifier.MnActiveInvalidateCount);
        var u = new MemslotUpdate(vm.Kvm, vm.NextId(), new MemslotRequest(1, new Ipa(Gpa + Sizes.PudSize), Sizes.PmdSize, new Hva(OtherHva), MemslotFlags.None));
        var r = u.Step();
        Assert.Equal(StepStatus.Blocked, r.Status);
        Assert.Equal("mn_active_invalidate_count", r.Wait!.Reason);
        Assert.Contains(h.Id, r.Wait.On);
        Assert.Null(vm.Kvm.Memslots.ById(1));
        Drive.ToEnd(h);
        Assert.Equal(0, vm.Kvm.Notifier.MnActiveInvalidateCount);
        Drive.ToEnd(u);
        Assert.Equal(Errno.Ok, u.Result);
        Assert.NotNull(vm.Kvm.Memslots.ById(1));
    }

    [Fact]
    public void InvalidationOutsideEveryMemslot_StillBlocksMemslotSwaps()
    {
        // kvm_mmu_notifier_invalidate_range_start: mn_active_invalidate_count++ happens before (and independent of) the slot walk
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize).Vma(OtherHva, Sizes.PmdSize, BackingKind.Anon);
        var h = vm.HostOp(HostOp.MadviseDontneed, OtherHva);
        Drive.Until(h, "range-start");
        Assert.Equal(0, vm.Kvm.Notifier.MmuInvalidateInProgress);
        Assert.Equal(1, vm.Kvm.Notifier.MnActiveInvalidateCount);
        var u = vm.SetFlags(0, MemslotFlags.LogDirtyPages);
        Assert.Equal(StepStatus.Blocked, u.Step().Status);
        Drive.ToEnd(h);
        Drive.ToEnd(u);
        Assert.Equal(Errno.Ok, u.Result);
    }

    [Fact]
    public void PublishingMemslotsDuringActiveInvalidation_Throws()
    {
        // kvm_swap_active_memslots must never publish while mn_active_invalidate_count != 0
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Kvm.Notifier.ActiveInvalidateStart();
        Assert.Throws<InvalidOperationException>(() => vm.Kvm.PublishMemslots(vm.Kvm.Memslots));
        vm.Kvm.Notifier.ActiveInvalidateEnd();
        vm.Kvm.PublishMemslots(vm.Kvm.Memslots);
    }

    [Fact]
    public void MemslotDeleteDuringActiveInvalidation_WaitsBeforeMarkingTheSlotInvalid()
    {
        // kvm_invalidate_memslot -> kvm_swap_active_memslots: the INVALID copy is not published mid-invalidation
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig());
        var h = vm.HostOp(HostOp.MadviseDontneed, Hva);
        Drive.Until(h, "range-start");
        var u = new MemslotUpdate(vm.Kvm, vm.NextId(), new MemslotRequest(0, new Ipa(Gpa), 0, new Hva(Hva), MemslotFlags.None));
        Assert.Equal(StepStatus.Blocked, u.Step().Status);
        Assert.False(vm.Kvm.Memslots.ById(0)!.Invalid);
        Drive.ToEnd(h);
        Drive.ToEnd(u);
        Assert.Null(vm.Kvm.Memslots.ById(0));
    }
}
