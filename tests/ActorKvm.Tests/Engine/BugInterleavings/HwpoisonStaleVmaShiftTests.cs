using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>hwpoison-stale-vma-shift</c>: the host poisons a page of a hugetlb 2M slot with dirty logging on, then the
/// guest reads it. Both deliver SIGBUS; with the switch on it reports the VMA's 2M shift instead of the 4K one of the
/// mapping attempted (logging forces PTEs); with it off the shift is right.
/// </summary>
public class HwpoisonStaleVmaShiftTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "hwpoison-stale-vma-shift";
    private const ulong Gpa = TestVm.SlotGpa + 0x5000;
    private const ulong Hva = TestVm.SlotHva + 0x5000;

    public HwpoisonStaleVmaShiftTests() : base(EngineConfig.Load()) { }

    private InterleavingHarness ReadOfPoisonedPageUnderLogging(bool on)
    {
        var h = BugTwin.Slot(this, Bug, on, BackingKind.Hugetlb2M, Sizes.PmdSize, flags: Model.Memslots.MemslotFlags.LogDirtyPages);
        BugTwin.HostOpToEnd(h, HostOp.Poison, Hva);
        var r = h.AccessToEnd(Gpa, AccessKind.Read);
        Assert.Equal(AccessExitKind.SigbusHwpoison, r.Exit.Kind);
        return h;
    }

    [Fact]
    public void SwitchOn_ReadOfPoisonedPageUnderLogging_ReportsTheHugeShift()
    {
        var h = ReadOfPoisonedPageUnderLogging(on: true);
        BugTwin.AssertOnlyViolation(h, ViolationKind.WrongSigbusLsb);
    }

    [Fact]
    public void SwitchOff_SameSteps_ReportsThe4KShift()
    {
        var h = ReadOfPoisonedPageUnderLogging(on: false);
        BugTwin.AssertNoViolation(h);
    }
}
