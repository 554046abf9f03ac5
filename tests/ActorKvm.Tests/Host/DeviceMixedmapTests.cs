using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Host;

/// <summary>The <c>device-mixedmap</c> backing and the memcache-capacity knob, the model features some bug switches need.</summary>
public class DeviceMixedmapTests
{
    [Fact]
    public void MixedmapFaultIn_ReturnsAReferencedDevicePage_OutsideTheLinearMap()
    {
        var vm = new TestVm().Vma(TestVm.SlotHva, 16 * Sizes.PageSize, BackingKind.DeviceMixedmap);
        var r = vm.Kvm.Mm.FaultIn(new Hva(TestVm.SlotHva), write: false, takeRef: true);
        Assert.Equal(HostFaultStatus.Ok, r.Status);
        Assert.NotNull(r.Folio);
        Assert.Equal(1, r.Folio!.GupRefs);
        Assert.False(PhysicalMemory.IsMapMemory(r.Pfn));
        Assert.Equal(Sizes.PageSize, vm.Kvm.Mm.PageTable.MappingSize(new Hva(TestVm.SlotHva)));
        Assert.True(vm.Kvm.Mm.PutPage(r.Folio, dirty: false));
    }

    [Fact]
    public void MixedmapWith2MWindow_IsMappedByTheHostWithOnePmd()
    {
        var vm = new TestVm().Vma(TestVm.SlotHva, Sizes.PmdSize, BackingKind.DeviceMixedmap);
        var r = vm.Kvm.Mm.FaultIn(new Hva(TestVm.SlotHva + 0x5000), write: false, takeRef: false);
        Assert.Equal(HostFaultStatus.Ok, r.Status);
        Assert.Equal(Sizes.PmdSize, vm.Kvm.Mm.PageTable.MappingSize(new Hva(TestVm.SlotHva)));
        Assert.Equal(9, r.Folio!.Order);
    }

    [Fact]
    public void MixedmapReadFault_MapsA4KDeviceLeaf_AndReleasesTheReference()
    {
        var vm = TestVm.WithSlot(BackingKind.DeviceMixedmap, Sizes.PmdSize);
        var a = vm.Access(TestVm.SlotGpa, Model.Fault.AccessKind.Read);
        Assert.Equal(Model.Fault.AccessExitKind.Ok, a.Exit.Kind);
        var leaf = vm.Kvm.Pgt.GetLeaf(new Ipa(TestVm.SlotGpa));
        Assert.True(leaf.Valid);
        Assert.Equal(Sizes.PageSize, leaf.Leaf.Size);
        Assert.Equal(MemType.Device, leaf.Leaf.MemType);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
        Assert.Empty(vm.Kvm.Oracle.Violations);
    }

    [Fact]
    public void ZeroCapacityMemcache_MapNeedingATablePage_FailsWithEnomem()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(MemcacheCapacity: 0));
        var a = vm.Access(TestVm.SlotGpa, Model.Fault.AccessKind.Write, 1);
        Assert.Equal(Errno.ENOMEM, a.Exit.Errno);
        Assert.False(vm.Kvm.Pgt.GetLeaf(new Ipa(TestVm.SlotGpa)).Valid);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
    }
}
