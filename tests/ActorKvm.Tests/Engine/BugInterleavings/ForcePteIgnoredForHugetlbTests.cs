using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>force-pte-ignored-for-hugetlb</c>: writes to a hugetlb 2M slot with dirty logging on. With the switch on
/// the first write maps a writable 2M block (logging's force-PTE is ignored), the second write does not fault and only
/// one page is logged; with it off each write maps its own 4K leaf and both pages are logged.
/// </summary>
public class ForcePteIgnoredForHugetlbTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "force-pte-ignored-for-hugetlb";
    private const ulong Gpa = TestVm.SlotGpa;

    public ForcePteIgnoredForHugetlbTests() : base(EngineConfig.Load()) { }

    private (InterleavingHarness H, GuestAccess Second, IReadOnlyList<ulong> Dirty) TwoWritesUnderLogging(bool on)
    {
        var h = BugTwin.Slot(this, Bug, on, BackingKind.Hugetlb2M, Sizes.PmdSize, flags: Model.Memslots.MemslotFlags.LogDirtyPages);
        h.AccessToEnd(Gpa, AccessKind.Write, 1);
        Assert.Equal(S2Prot.RW, h.Vm.Leaf(Gpa).Leaf.Perms);
        var second = h.AccessToEnd(Gpa + 0x5000, AccessKind.Write, 2);
        return (h, second, h.GetDirtyLog(0).Pages);
    }

    [Fact]
    public void SwitchOn_WritesToLoggingHugetlbSlot_MapAWritableBlock()
    {
        var (h, second, dirty) = TwoWritesUnderLogging(on: true);
        Assert.Equal(Sizes.PmdSize, h.Vm.Leaf(Gpa).Leaf.Size);
        Assert.Empty(second.Faults);
        Assert.Equal([0UL], dirty);
        // The writable block, and at the harvest the second page the log lost (the bug's real damage).
        Assert.Equal([ViolationKind.BlockWhileLogging, ViolationKind.DirtyPageNotHarvested], BugTwin.Violations(h));
    }

    [Fact]
    public void SwitchOff_SameWrites_Map4KLeavesAndLogBothPages()
    {
        var (h, second, dirty) = TwoWritesUnderLogging(on: false);
        Assert.Equal(Sizes.PageSize, h.Vm.Leaf(Gpa).Leaf.Size);
        Assert.Equal([FaultResult.Map], second.Faults);
        Assert.Equal([0UL, 5UL], dirty);
        BugTwin.AssertNoViolation(h);
    }
}
