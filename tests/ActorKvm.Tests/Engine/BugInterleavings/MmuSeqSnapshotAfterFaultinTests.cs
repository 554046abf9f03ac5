using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>mmu-seq-snapshot-after-faultin</c> (scenario pair <c>scenarios/bugs/mmu-seq-snapshot-after-faultin</c>):
/// a read fault paused right after its faultin while the host zaps the page. With the switch on the fault reads
/// <c>mmu_invalidate_seq</c> after the zap, so the retry check passes and it maps the old page; with it off the
/// snapshot predates the zap and the fault retries.
/// </summary>
public class MmuSeqSnapshotAfterFaultinTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "mmu-seq-snapshot-after-faultin";
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    public MmuSeqSnapshotAfterFaultinTests() : base(EngineConfig.Load()) { }

    private (InterleavingHarness H, GuestAccess F) FaultPausedAfterFaultinWhileHostZaps(bool on)
    {
        var h = BugTwin.Vm(this, Bug, on, b => new TestVm(bugs: b).Vma(Hva, Sizes.PmdSize, BackingKind.Anon).Slot(0, Gpa, Sizes.PageSize, Hva));
        h.HostWrite(Hva, 5);
        var f = h.Access(Gpa, AccessKind.Read);
        h.StepUntil(f, "pfn-faultin");
        BugTwin.HostOpToEnd(h, HostOp.MadviseDontneed, Hva);
        h.StepToEnd(f);
        return (h, f);
    }

    [Fact]
    public void SwitchOn_FaultPausedAfterFaultinWhileHostZaps_InstallsStaleMapping()
    {
        var (h, f) = FaultPausedAfterFaultinWhileHostZaps(on: true);
        Assert.Equal([FaultResult.Map], f.Faults);
        Assert.Equal(5UL, f.ReadValue);
        BugTwin.AssertOnlyViolation(h, ViolationKind.StaleMapping);
    }

    [Fact]
    public void SwitchOff_SameInterleaving_RetriesAndMapsTheNewPage()
    {
        var (h, f) = FaultPausedAfterFaultinWhileHostZaps(on: false);
        Assert.Equal([FaultResult.Retry, FaultResult.Map], f.Faults);
        Assert.Equal(0UL, f.ReadValue);
        BugTwin.AssertNoViolation(h);
    }
}
