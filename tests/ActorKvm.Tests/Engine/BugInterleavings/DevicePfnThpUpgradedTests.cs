using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>device-pfn-thp-upgraded</c>: a read fault on device memory the host maps with one PMD. With the switch on
/// the THP adjustment upgrades the device pfn to a 2M Device block; with it off the fault maps a 4K Device leaf.
/// </summary>
public class DevicePfnThpUpgradedTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "device-pfn-thp-upgraded";
    private const ulong Gpa = 0x1000_0000;
    private const ulong Hva = TestVm.SlotHva;

    public DevicePfnThpUpgradedTests() : base(EngineConfig.Load()) { }

    private InterleavingHarness ReadFromPmdMappedDevice(bool on)
    {
        var h = BugTwin.Vm(this, Bug, on, b => new TestVm(bugs: b).Vma(Hva, Sizes.PmdSize, BackingKind.DeviceMixedmap).Slot(0, Gpa, Sizes.PmdSize, Hva));
        var r = h.AccessToEnd(Gpa, AccessKind.Read);
        Assert.Equal(AccessExit.Completed, r.Exit);
        Assert.Equal(MemType.Device, h.Vm.Leaf(Gpa).Leaf.MemType);
        return h;
    }

    [Fact]
    public void SwitchOn_ReadFromPmdMappedDevice_MapsA2MDeviceBlock()
    {
        var h = ReadFromPmdMappedDevice(on: true);
        Assert.Equal(Sizes.PmdSize, h.Vm.Leaf(Gpa).Leaf.Size);
        BugTwin.AssertOnlyViolation(h, ViolationKind.OversizedBlock);
    }

    [Fact]
    public void SwitchOff_SameFault_MapsA4KDeviceLeaf()
    {
        var h = ReadFromPmdMappedDevice(on: false);
        Assert.Equal(Sizes.PageSize, h.Vm.Leaf(Gpa).Leaf.Size);
        BugTwin.AssertNoViolation(h);
    }
}
