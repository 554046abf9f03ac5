using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>perm-fault-relax-ignores-granule</c>: a read under logging maps a 4K read-only leaf of a hugetlb 2M slot;
/// logging is turned off; a write then takes a permission fault on that leaf. With the switch on the fault only
/// relaxes the 4K leaf's permissions although the fault wants a 2M block, and the guest faults forever (livelock);
/// with it off it re-maps a writable 2M block.
/// </summary>
public class PermFaultRelaxIgnoresGranuleTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "perm-fault-relax-ignores-granule";
    private const ulong Gpa = TestVm.SlotGpa + 0x3000;

    public PermFaultRelaxIgnoresGranuleTests() : base(EngineConfig.Load()) { }

    private (InterleavingHarness H, GuestAccess W) WritePermFaultOn4KLeafAfterLoggingOff(bool on)
    {
        var h = BugTwin.Slot(this, Bug, on, BackingKind.Hugetlb2M, Sizes.PmdSize);
        BugTwin.SetLogging(h, 0, on: true);
        h.AccessToEnd(Gpa, AccessKind.Read);
        var leaf = h.Vm.Leaf(Gpa).Leaf;
        Assert.Equal(Sizes.PageSize, leaf.Size);
        Assert.Equal(S2Prot.R, leaf.Perms);
        BugTwin.SetLogging(h, 0, on: false);
        return (h, h.AccessToEnd(Gpa, AccessKind.Write, 1));
    }

    [Fact]
    public void SwitchOn_WritePermFaultOn4KLeafAfterLoggingOff_Livelocks()
    {
        var (h, w) = WritePermFaultOn4KLeafAfterLoggingOff(on: true);
        Assert.Equal(AccessExitKind.Livelock, w.Exit.Kind);
        BugTwin.AssertOnlyViolation(h, ViolationKind.NoProgress);
    }

    [Fact]
    public void SwitchOff_SameFault_RemapsAWritable2MBlock()
    {
        var (h, w) = WritePermFaultOn4KLeafAfterLoggingOff(on: false);
        Assert.Equal([FaultResult.Map], w.Faults);
        var leaf = h.Vm.Leaf(Gpa).Leaf;
        Assert.Equal(Sizes.PmdSize, leaf.Size);
        Assert.Equal(S2Prot.RW, leaf.Perms);
        BugTwin.AssertNoViolation(h);
    }
}
