using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>retry-ignores-in-progress</c>: <c>MADV_DONTNEED</c> paused between <c>invalidate_range_start</c> and the
/// host change while a read fault runs through. The sequence has not moved yet, so only
/// <c>mmu_invalidate_in_progress</c> can stop the fault: with the switch on the retry check ignores it and the fault
/// maps the page the host is about to drop; with it off the fault retries, waits for range-end and maps the new page.
/// </summary>
public class RetryIgnoresInProgressTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "retry-ignores-in-progress";
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    public RetryIgnoresInProgressTests() : base(EngineConfig.Load()) { }

    [Fact]
    public void SwitchOn_FaultRunsWhileZapIsBetweenRangeStartAndEnd_MapsThePageAndLeavesItStale()
    {
        var h = BugTwin.Slot(this, Bug, on: true, BackingKind.Anon, Sizes.PmdSize);
        h.HostWrite(Hva, 5);
        var zap = h.HostOp(HostOp.MadviseDontneed, Hva);
        h.StepUntil(zap, "range-start");

        var f = h.AccessToEnd(Gpa, AccessKind.Read);
        Assert.Equal([FaultResult.Map], f.Faults);
        Assert.Equal(5UL, f.ReadValue);
        h.StepToEnd(zap);

        // The catalog's rule (stale-mapping) and the general ones the early map breaks: a leaf inside the range being
        // invalidated, and a map while mmu_invalidate_in_progress was raised.
        var v = BugTwin.Violations(h);
        Assert.Equal([ViolationKind.StaleMapping, ViolationKind.LeafInInvalidatedRange, ViolationKind.MapDuringInvalidation], v.Order());
    }

    [Fact]
    public void SwitchOff_SameInterleaving_RetriesWaitsForRangeEndAndMapsTheNewPage()
    {
        var h = BugTwin.Slot(this, Bug, on: false, BackingKind.Anon, Sizes.PmdSize);
        h.HostWrite(Hva, 5);
        var zap = h.HostOp(HostOp.MadviseDontneed, Hva);
        h.StepUntil(zap, "range-start");

        var f = h.Access(Gpa, AccessKind.Read);
        h.StepUntil(f, "mmu-lock");
        h.Step(f);
        Assert.Equal(FaultResult.Retry, f.Handler.Result);
        h.StepBlocked(f, "invalidation in progress", zap);
        h.StepToEnd(zap);
        h.StepToEnd(f);

        Assert.Equal([FaultResult.Retry, FaultResult.Map], f.Faults);
        Assert.Equal(0UL, f.ReadValue);
        BugTwin.AssertNoViolation(h);
    }
}
