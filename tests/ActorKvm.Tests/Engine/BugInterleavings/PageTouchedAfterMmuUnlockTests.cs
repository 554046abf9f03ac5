using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>page-touched-after-mmu-unlock</c>: an access-flag fault (the page was aged) paused after its map phase,
/// i.e. after dropping <c>mmu_lock</c>, while the host munmaps and frees the page. With the switch on the fault then
/// marks the freed page accessed; with it off it touches nothing after the unlock.
/// </summary>
public class PageTouchedAfterMmuUnlockTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "page-touched-after-mmu-unlock";
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    public PageTouchedAfterMmuUnlockTests() : base(EngineConfig.Load()) { }

    private (InterleavingHarness H, GuestAccess F) YoungFaultPausedAfterMap(bool on)
    {
        var h = BugTwin.Slot(this, Bug, on, BackingKind.Anon, Sizes.PmdSize);
        h.HostWrite(Hva, 9);
        Assert.Equal(9UL, h.AccessToEnd(Gpa, AccessKind.Read).ReadValue);
        var age = BugTwin.Age(h, Gpa, Sizes.PageSize);
        h.StepToEnd(age);
        Assert.True(age.Young);

        var f = h.Access(Gpa, AccessKind.Read);
        h.StepUntil(f, "map");
        Assert.Equal(FaultResult.Young, f.Handler.Result);
        return (h, f);
    }

    [Fact]
    public void SwitchOn_YoungFaultPausedAfterUnlockWhileHostMunmaps_TouchesTheReleasedPage()
    {
        // With the switch on the fault has already dropped mmu_lock at "map": munmap runs through and frees the page.
        var (h, f) = YoungFaultPausedAfterMap(on: true);
        BugTwin.HostOpToEnd(h, HostOp.Munmap, Hva, Sizes.PmdSize);
        h.StepToEnd(f);
        Assert.Equal([FaultResult.Young], f.Faults);
        Assert.Equal(AccessExit.Fail(Errno.EFAULT), f.Exit);
        Assert.False(h.Vm.Leaf(Gpa).Valid);
        BugTwin.AssertOnlyViolation(h, ViolationKind.ReleasedPageTouched);
    }

    [Fact]
    public void SwitchOff_SameInterleaving_MunmapWaitsForTheLockAndThePageIsTouchedOnlyUnderIt()
    {
        // With the switch off the page is touched under mmu_lock, which the fault still holds: munmap waits for it.
        var (h, f) = YoungFaultPausedAfterMap(on: false);
        var munmap = h.HostOp(HostOp.Munmap, Hva, Sizes.PmdSize);
        h.StepBlocked(munmap, "mmu_lock", f);
        h.StepToEnd(f);
        Assert.Equal([FaultResult.Young], f.Faults);
        Assert.Equal(9UL, f.ReadValue);
        h.StepToEnd(munmap);
        Assert.Equal(Errno.Ok, munmap.Result);
        Assert.False(h.Vm.Leaf(Gpa).Valid);
        BugTwin.AssertNoViolation(h);
    }
}
