using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>cont-hugetlb-size-unsupported</c>: a read fault on a hugetlb 32M (contiguous PMD) slot. With the switch on
/// the fault asks stage 2 for a 32M leaf, which is not a stage-2 size; with it off it falls back to a 2M block.
/// </summary>
public class ContHugetlbSizeUnsupportedTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "cont-hugetlb-size-unsupported";
    private const ulong Gpa = TestVm.SlotGpa;

    public ContHugetlbSizeUnsupportedTests() : base(EngineConfig.Load()) { }

    private (InterleavingHarness H, GuestAccess R) ReadOnContHugetlbSlot(bool on)
    {
        var h = BugTwin.Slot(this, Bug, on, BackingKind.Hugetlb32M, Sizes.ContPmdSize);
        var r = h.AccessToEnd(Gpa, AccessKind.Read);
        Assert.Equal(AccessExit.Completed, r.Exit);
        return (h, r);
    }

    [Fact]
    public void SwitchOn_ReadOnContHugetlbSlot_AsksForAnUnsupportedMapSize()
    {
        var (h, _) = ReadOnContHugetlbSlot(on: true);
        BugTwin.AssertOnlyViolation(h, ViolationKind.UnsupportedMapSize);
    }

    [Fact]
    public void SwitchOff_SameFault_MapsA2MBlock()
    {
        var (h, _) = ReadOnContHugetlbSlot(on: false);
        Assert.Equal(Sizes.PmdSize, h.Vm.Leaf(Gpa).Leaf.Size);
        BugTwin.AssertNoViolation(h);
    }
}
