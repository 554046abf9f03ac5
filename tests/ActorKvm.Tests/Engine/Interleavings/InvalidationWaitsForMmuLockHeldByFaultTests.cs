using ActorKvm.Engine;
using ActorKvm.Engine.Actors.Messages;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.Interleavings;

/// <summary>
/// <c>kvm_mmu_notifier_invalidate_range_start</c> needs the <c>mmu_lock</c> write side, on the actor engine (scenario
/// <c>race-invalidation-waits-for-mmu-lock</c>). A fault paused holding the read side has not seen the invalidation
/// start, so it passes <c>mmu_invalidate_retry</c> and maps; the <c>madvise(MADV_DONTNEED)</c> waits behind it and,
/// once the fault unlocks, removes the fresh leaf: no stale mapping survives range-end. Gated, the notifier's step
/// comes back Blocked with a write-lock wait; self-driven, the lock actor's <see cref="LockAvailable"/> wakes it.
/// </summary>
public class InvalidationWaitsForMmuLockHeldByFaultTests : Akka.TestKit.Xunit2.TestKit
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    public InvalidationWaitsForMmuLockHeldByFaultTests() : base(EngineConfig.Load()) { }

    private InterleavingHarness FaultHoldingReadLock(out GuestAccess f)
    {
        var h = new InterleavingHarness(this, TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize));
        h.HostWrite(Hva, 5);
        f = h.Access(Gpa, AccessKind.Read);
        h.StepUntil(f, "mmu-lock");
        Assert.Equal(LockMode.Read, h.Kvm.MmuLock.ModeOf(f.Id));
        return h;
    }

    [Fact]
    public void GatedInvalidationWhileFaultHoldsMmuLock_IsBlockedOnTheWriteLockUntilTheFaultUnlocksThenUnmapsItsLeaf()
    {
        var h = FaultHoldingReadLock(out var f);
        var inv = h.HostOp(HostOp.MadviseDontneed, Hva, Sizes.PmdSize);

        var wait = h.StepBlocked(inv, "mmu_lock (write)", f);
        Assert.Equal(LockMode.Write, wait.Lock);
        Assert.Equal(0, h.Kvm.Notifier.MmuInvalidateInProgress); // range-start has not run
        Assert.Contains((inv.Id, LockMode.Write), h.Kvm.MmuLock.Queue);

        // The fault, still holding the read side, sees no invalidation and maps; the writer keeps waiting meanwhile.
        h.StepUntil(f, "retry-check");
        h.StepBlocked(inv, "mmu_lock (write)", f);
        h.StepUntil(f, "map");
        Assert.Equal(FaultResult.Map, f.Handler.Result);
        Assert.True(h.Vm.Leaf(Gpa).Valid);
        h.StepBlocked(inv, "mmu_lock (write)", f);
        h.StepToEnd(f);
        Assert.Equal(LockMode.None, h.Kvm.MmuLock.ModeOf(f.Id));
        Assert.Equal([FaultResult.Map], f.Faults);
        Assert.Equal(5UL, f.ReadValue);
        Assert.True(h.Vm.Leaf(Gpa).Valid);

        // Unlocked: the invalidation takes the write side, unmaps the fault's leaf, zaps the page, ends.
        var seq = h.Kvm.Notifier.MmuInvalidateSeq;
        Assert.Equal("range-start", h.Step(inv).Phase);
        Assert.False(h.Vm.Leaf(Gpa).Valid);
        h.StepToEnd(inv);
        Assert.Equal(Errno.Ok, inv.Result);
        Assert.Equal(seq + 1, h.Kvm.Notifier.MmuInvalidateSeq);
        Assert.False(h.Vm.Leaf(Gpa).Valid);

        var again = h.AccessToEnd(Gpa, AccessKind.Read);
        Assert.Equal([FaultResult.Map], again.Faults);
        Assert.Equal(0UL, again.ReadValue); // MADV_DONTNEED discarded the anonymous page
        h.AssertCleanAndBalanced();
    }

    [Fact]
    public void SelfDrivenInvalidationWhileFaultHoldsMmuLock_IsWokenByLockAvailableOnlyAfterTheFaultUnlocks()
    {
        var h = FaultHoldingReadLock(out var f);
        var inv = h.HostOp(HostOp.MadviseDontneed, Hva, Sizes.PmdSize);
        var replyTo = CreateTestProbe("inv-reply");

        h.Run(inv, replyTo);
        h.NotifierBarrier(); // the notifier has run the invalidation's first phase: it could not take the lock
        h.Read(k =>
        {
            Assert.Contains((inv.Id, LockMode.Write), k.MmuLock.Queue);
            Assert.Equal(0, k.Notifier.MmuInvalidateInProgress);
            Assert.False(inv.IsDone);
            return 0;
        });

        // Gated, the fault maps while the self-driven writer stays parked (nothing but LockAvailable resumes it).
        h.StepUntil(f, "map");
        Assert.Equal(FaultResult.Map, f.Handler.Result);
        h.NotifierBarrier();
        h.Read(k =>
        {
            Assert.True(k.Pgt.GetLeaf(new Ipa(Gpa)).Valid);
            Assert.Contains((inv.Id, LockMode.Write), k.MmuLock.Queue);
            Assert.False(inv.IsDone);
            return 0;
        });

        // The fault's complete phase drops the read side; the vCPU tells the lock actor, which grants the writer.
        var last = h.Step(f);
        Assert.Equal("complete", last.Phase);
        var finished = replyTo.ExpectMsg<ActivityFinished>(InterleavingHarness.StepTimeout);
        Assert.Same(inv, finished.Activity);

        h.Read(k =>
        {
            Assert.Equal(Errno.Ok, inv.Result);
            Assert.Equal(1UL, k.Notifier.MmuInvalidateSeq);
            Assert.False(k.Pgt.GetLeaf(new Ipa(Gpa)).Valid); // the fault's fresh leaf did not outlive range-end
            Assert.True(k.MmuLock.IsFree);
            Assert.Empty(k.MmuLock.Queue);
            return 0;
        });

        // The guest re-executes its read only now: the leaf is gone, so it faults again onto the zapped (zero) page.
        h.StepToEnd(f);
        Assert.Equal([FaultResult.Map, FaultResult.Map], f.Faults);
        Assert.Equal(0UL, f.ReadValue);
        h.AssertCleanAndBalanced();
    }
}
