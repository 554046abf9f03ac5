using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Fault;

public class SmokeTests
{
    [Fact]
    public void WriteFaultOnAnon_MapsWritablePageAndStoresValue()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, 2 * Sizes.PmdSize);
        var a = vm.Access(TestVm.SlotGpa + 0x1000, AccessKind.Write, 7);
        Assert.Equal("ok", a.Exit.Name);
        Assert.Equal([FaultResult.Map], a.Faults);
        var leaf = vm.Leaf(TestVm.SlotGpa + 0x1000);
        Assert.True(leaf.Valid);
        Assert.Equal(Sizes.PageSize, leaf.Leaf.Size);
        Assert.Equal(7UL, vm.HostRead(TestVm.SlotHva + 0x1000));
        Assert.Empty(vm.Violations);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
    }

    [Fact]
    public void ThpWriteFault_MapsBlock()
    {
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize);
        var a = vm.Access(TestVm.SlotGpa + 0x3000, AccessKind.Write, 9);
        Assert.Equal([FaultResult.Map], a.Faults);
        Assert.Equal(Sizes.PmdSize, vm.Leaf(TestVm.SlotGpa + 0x3000).Leaf.Size);
        Assert.Equal(9UL, vm.HostRead(TestVm.SlotHva + 0x3000));
        Assert.Empty(vm.Violations);
    }
}
