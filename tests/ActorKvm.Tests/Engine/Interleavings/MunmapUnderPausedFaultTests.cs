using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.Interleavings;

/// <summary>
/// <c>user_mem_abort</c> vs <c>munmap</c>, gated on the actor engine (scenario <c>race-munmap-during-fault-efault</c>):
/// a pin does not hold munmap off, so the fault must notice the invalidation under <c>mmu_lock</c> — by the moved
/// sequence once it ended, or by <c>mmu_invalidate_in_progress</c> while it runs — and map nothing. The re-fault finds
/// no VMA and <c>KVM_RUN</c> fails with -EFAULT.
/// </summary>
public class MunmapUnderPausedFaultTests : Akka.TestKit.Xunit2.TestKit
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    public MunmapUnderPausedFaultTests() : base(EngineConfig.Load()) { }

    private InterleavingHarness AnonSlot() => new(this, TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize));

    [Fact]
    public void MunmapWhileFaultPausedAfterPin_RetriesMapsNothingAndReFaultReturnsEfault()
    {
        // Twin: mmu-seq-snapshot-after-faultin
        var h = AnonSlot();
        h.HostWrite(Hva, 5);
        var f = h.Access(Gpa, AccessKind.Write, 6);
        h.StepUntil(f, "pfn-faultin");
        var snapshot = f.Handler.State.MmuSeq;
        var page = Assert.IsType<Folio>(f.Handler.State.Page);
        Assert.Equal(1, page.GupRefs);

        var munmap = h.HostOp(HostOp.Munmap, Hva, Sizes.PmdSize);
        h.StepToEnd(munmap);
        Assert.Equal(Errno.Ok, munmap.Result);
        Assert.Null(h.HostPfn(Hva));
        Assert.Equal(snapshot + 1, h.Kvm.Notifier.MmuInvalidateSeq);

        h.StepUntil(f, "mmu-lock");
        h.Step(f);
        Assert.Equal(FaultResult.Retry, f.Handler.Result);
        Assert.Equal(0, page.GupRefs); // released unused under the lock
        h.StepToEnd(f);

        Assert.Equal([FaultResult.Retry], f.Faults);
        Assert.Equal(AccessExit.Fail(Errno.EFAULT), f.Exit);
        Assert.False(h.Vm.Leaf(Gpa).Valid);
        h.AssertCleanAndBalanced();
    }

    [Fact]
    public void FaultReachesRetryCheckWhileMunmapIsBetweenRangeStartAndEnd_RetriesOnInProgressThenWaitsForRangeEnd()
    {
        // Twin: retry-ignores-in-progress
        var h = AnonSlot();
        h.HostWrite(Hva, 5);
        var munmap = h.HostOp(HostOp.Munmap, Hva, Sizes.PmdSize);
        h.StepUntil(munmap, "range-start");

        // The host PTE is still there between range-start and the change: the fault pins the old page, and its
        // snapshot equals the current sequence — only the in-progress count tells it the page is going away.
        var f = h.Access(Gpa, AccessKind.Write, 6);
        h.StepUntil(f, "mmu-lock");
        Assert.NotNull(h.HostPfn(Hva));
        Assert.Equal(h.Kvm.Notifier.MmuInvalidateSeq, f.Handler.State.MmuSeq);
        Assert.Equal(1, h.Kvm.Notifier.MmuInvalidateInProgress);
        h.Step(f);
        Assert.Equal(FaultResult.Retry, f.Handler.Result);
        Assert.False(h.Vm.Leaf(Gpa).Valid);

        // The vCPU spins until range-end (a wait on the invalidation), then re-faults on a VMA that is gone.
        h.StepBlocked(f, "invalidation in progress", munmap);
        h.StepToEnd(munmap);
        Assert.Equal(Errno.Ok, munmap.Result);
        h.StepToEnd(f);

        Assert.Equal([FaultResult.Retry], f.Faults);
        Assert.Equal(AccessExit.Fail(Errno.EFAULT), f.Exit);
        Assert.False(h.Vm.Leaf(Gpa).Valid);
        h.AssertCleanAndBalanced();
    }
}
