using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>cacheable-pfnmap-mapped-device</c> (no FWB): a slot over cacheable PFNMAP memory. With the switch on the
/// slot is accepted and a read maps it Device; with it off <c>KVM_SET_USER_MEMORY_REGION</c> refuses the slot and the
/// read exits as MMIO. The memslot update and the fault both run through the gated actors.
/// </summary>
public class CacheablePfnmapMappedDeviceTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "cacheable-pfnmap-mapped-device";
    private const ulong Gpa = 0x1_0000_0000;
    private const ulong Hva = TestVm.SlotHva;

    public CacheablePfnmapMappedDeviceTests() : base(EngineConfig.Load()) { }

    private (InterleavingHarness H, Errno Create, GuestAccess Read) CreateSlotThenRead(bool on)
    {
        var h = BugTwin.Vm(this, Bug, on, b => new TestVm(new KvmConfig(S2Fwb: false), b).Vma(Hva, Sizes.PmdSize, BackingKind.DeviceCacheable));
        var create = BugTwin.CreateSlot(h, 0, Gpa, Sizes.PmdSize, Hva);
        h.StepToEnd(create);
        return (h, create.Result, h.AccessToEnd(Gpa, AccessKind.Read));
    }

    [Fact]
    public void SwitchOn_CacheablePfnmapSlotWithoutFwb_IsAcceptedAndMappedDevice()
    {
        var (h, create, read) = CreateSlotThenRead(on: true);
        Assert.Equal(Errno.Ok, create);
        Assert.Equal(AccessExit.Completed, read.Exit);
        Assert.Equal(MemType.Device, h.Vm.Leaf(Gpa).Leaf.MemType);
        BugTwin.AssertOnlyViolation(h, ViolationKind.WrongMemtype);
    }

    [Fact]
    public void SwitchOff_SameSteps_SlotIsRefusedAndTheReadIsMmio()
    {
        var (h, create, read) = CreateSlotThenRead(on: false);
        Assert.Equal(Errno.EINVAL, create);
        Assert.Equal(AccessExitKind.Mmio, read.Exit.Kind);
        Assert.False(h.Vm.Leaf(Gpa).Valid);
        BugTwin.AssertNoViolation(h);
    }
}
