using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>host-pt-walk-unprotected</c>: a THP read fault paused at its retry check while the host frees the page
/// tables of the range. With the switch on the fault walks the host page table outside <c>mmu_lock</c>/without the
/// retry guard, reads a freed table and maps a 2M block over a stale pfn; with it off it retries and then maps 2M.
/// </summary>
public class HostPtWalkUnprotectedTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "host-pt-walk-unprotected";
    private const ulong Gpa = TestVm.SlotGpa + Sizes.PageSize;
    private const ulong Hva = TestVm.SlotHva;

    public HostPtWalkUnprotectedTests() : base(EngineConfig.Load()) { }

    private (InterleavingHarness H, GuestAccess F) FaultPausedAtRetryCheckWhileHostFreesPageTables(bool on)
    {
        var h = BugTwin.Slot(this, Bug, on, BackingKind.Thp, 2 * Sizes.PmdSize);
        h.HostWrite(Hva, 1);
        var f = h.Access(Gpa, AccessKind.Read);
        h.StepUntil(f, "retry-check");
        var free = BugTwin.FreePageTables(h, Hva, 2 * Sizes.PmdSize);
        h.StepToEnd(free);
        Assert.Equal(Errno.Ok, free.Result);
        h.StepToEnd(f);
        Assert.Equal(Sizes.PmdSize, h.Vm.Leaf(Gpa).Leaf.Size);
        return (h, f);
    }

    [Fact]
    public void SwitchOn_FaultPausedAtRetryCheckWhileHostFreesPageTables_ReadsFreedTableAndMapsStaleBlock()
    {
        var (h, f) = FaultPausedAtRetryCheckWhileHostFreesPageTables(on: true);
        Assert.Equal([FaultResult.Map], f.Faults);
        var v = BugTwin.Violations(h);
        Assert.Contains(ViolationKind.FreedHostTableRead, v);
        Assert.Contains(ViolationKind.StaleMapping, v);
    }

    [Fact]
    public void SwitchOff_SameInterleaving_RetriesThenMapsTheBlock()
    {
        var (h, f) = FaultPausedAtRetryCheckWhileHostFreesPageTables(on: false);
        Assert.Equal([FaultResult.Retry, FaultResult.Map], f.Faults);
        BugTwin.AssertNoViolation(h);
    }
}
