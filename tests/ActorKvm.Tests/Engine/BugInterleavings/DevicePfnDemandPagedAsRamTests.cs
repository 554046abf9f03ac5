using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>device-pfn-demand-paged-as-ram</c>: an instruction fetch from a slot over demand-paged device memory.
/// With the switch on the device pfn is treated as RAM and mapped Normal (executable); with it off the exec fault on
/// device memory injects a prefetch abort and maps nothing.
/// </summary>
public class DevicePfnDemandPagedAsRamTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "device-pfn-demand-paged-as-ram";
    private const ulong Gpa = 0x1000_0000;
    private const ulong Hva = TestVm.SlotHva;

    public DevicePfnDemandPagedAsRamTests() : base(EngineConfig.Load()) { }

    private (InterleavingHarness H, GuestAccess X) ExecFromDeviceSlot(bool on)
    {
        var h = BugTwin.Vm(this, Bug, on, b => new TestVm(bugs: b).Vma(Hva, Sizes.ContPteSize, BackingKind.Device).Slot(0, Gpa, Sizes.ContPteSize, Hva));
        return (h, h.AccessToEnd(Gpa, AccessKind.Exec));
    }

    [Fact]
    public void SwitchOn_ExecFromDemandPagedDevice_MapsItNormal()
    {
        var (h, x) = ExecFromDeviceSlot(on: true);
        Assert.Equal(AccessExit.Completed, x.Exit);
        Assert.Equal(MemType.Normal, h.Vm.Leaf(Gpa).Leaf.MemType);
        BugTwin.AssertOnlyViolation(h, ViolationKind.WrongMemtype);
    }

    [Fact]
    public void SwitchOff_SameFault_InjectsPrefetchAbortAndMapsNothing()
    {
        var (h, x) = ExecFromDeviceSlot(on: false);
        Assert.Equal(AccessExitKind.InjectIabt, x.Exit.Kind);
        Assert.False(h.Vm.Leaf(Gpa).Valid);
        BugTwin.AssertNoViolation(h);
    }
}
