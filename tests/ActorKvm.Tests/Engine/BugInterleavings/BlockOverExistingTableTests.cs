using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>block-over-existing-table</c>: logging splits a hugetlb 2M range into a table of 4K leaves; after logging
/// is turned off a read elsewhere in the range maps a 2M block. With the switch on the block replaces the table
/// without freeing it; with it off the table is torn down with its leaves. Each access is gated phase by phase.
/// </summary>
public class BlockOverExistingTableTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "block-over-existing-table";
    private const ulong Gpa = TestVm.SlotGpa;

    public BlockOverExistingTableTests() : base(EngineConfig.Load()) { }

    private InterleavingHarness BlockFaultOverTableLeftByLogging(bool on)
    {
        var h = BugTwin.Slot(this, Bug, on, BackingKind.Hugetlb2M, Sizes.PmdSize);
        BugTwin.SetLogging(h, 0, on: true);
        h.AccessToEnd(Gpa, AccessKind.Write, 1);
        h.AccessToEnd(Gpa + 0x1000, AccessKind.Write, 2);
        Assert.Equal(Sizes.PageSize, h.Vm.Leaf(Gpa).Leaf.Size);
        BugTwin.SetLogging(h, 0, on: false);

        var r = h.AccessToEnd(Gpa + 0x3000, AccessKind.Read);
        Assert.Equal([FaultResult.Map], r.Faults);
        Assert.Equal(Sizes.PmdSize, h.Vm.Leaf(Gpa + 0x3000).Leaf.Size);
        return h;
    }

    [Fact]
    public void SwitchOn_BlockFaultOverTheTableLeftByLogging_LeaksTheTable()
    {
        var h = BlockFaultOverTableLeftByLogging(on: true);
        BugTwin.AssertOnlyViolation(h, ViolationKind.LeakedTablePage);
    }

    [Fact]
    public void SwitchOff_SameSteps_FreesTheTable()
    {
        var h = BlockFaultOverTableLeftByLogging(on: false);
        BugTwin.AssertNoViolation(h);
    }
}
