using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>canonical-ipa-not-aligned</c>: the first fault lands inside a hugetlb 2M page (not at its head). With the
/// switch on the block is built from the faulting IPA's pfn without aligning the IPA down, so it maps the wrong 4K
/// pages (the read sees the value of a later page); with it off the block starts at the huge page head.
/// </summary>
public class CanonicalIpaNotAlignedTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "canonical-ipa-not-aligned";
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    public CanonicalIpaNotAlignedTests() : base(EngineConfig.Load()) { }

    private (InterleavingHarness H, GuestAccess R) FirstFaultInsideHugePage(bool on)
    {
        var h = BugTwin.Slot(this, Bug, on, BackingKind.Hugetlb2M, Sizes.PmdSize);
        h.HostWrite(Hva + 0x3000, 3);
        h.HostWrite(Hva + 0x6000, 6);
        var r = h.AccessToEnd(Gpa + 0x3000, AccessKind.Read);
        Assert.Equal(AccessExit.Completed, r.Exit);
        return (h, r);
    }

    [Fact]
    public void SwitchOn_FirstFaultInsideHugePage_MapsTheBlockFromTheWrongPfn()
    {
        var (h, r) = FirstFaultInsideHugePage(on: true);
        Assert.Equal(6UL, r.ReadValue);
        BugTwin.AssertViolation(h, ViolationKind.StaleMapping);
    }

    [Fact]
    public void SwitchOff_SameSteps_MapsTheBlockFromTheHugePageHead()
    {
        var (h, r) = FirstFaultInsideHugePage(on: false);
        Assert.Equal(3UL, r.ReadValue);
        Assert.Equal(Sizes.PmdSize, h.Vm.Leaf(Gpa + 0x3000).Leaf.Size);
        BugTwin.AssertNoViolation(h);
    }
}
