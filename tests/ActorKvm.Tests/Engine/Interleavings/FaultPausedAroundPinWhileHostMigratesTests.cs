using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.Interleavings;

/// <summary>
/// <c>user_mem_abort</c> vs page migration, gated on the actor engine (scenarios <c>retry-after-migrate</c> and
/// <c>migrate-before-pin-remaps-new-page</c>): the fault's <c>mmu_invalidate_seq</c> snapshot predates the migration's
/// invalidation, so <c>mmu_invalidate_retry</c> fails under <c>mmu_lock</c>, nothing stale is mapped, and the re-fault
/// maps the page the host maps now. The guest's data survives either way.
/// </summary>
public class FaultPausedAroundPinWhileHostMigratesTests : Akka.TestKit.Xunit2.TestKit
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    public FaultPausedAroundPinWhileHostMigratesTests() : base(EngineConfig.Load()) { }

    private InterleavingHarness AnonSlot() => new(this, TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize));

    [Fact]
    public void FaultPausedAfterPinWhileHostMigrates_RetriesThenRemapsThePinnedPageKeepingGuestValue()
    {
        // Twin: mmu-seq-snapshot-after-faultin
        var h = AnonSlot();
        h.HostWrite(Hva, 5);
        var f = h.Access(Gpa, AccessKind.Read);
        h.StepUntil(f, "pfn-faultin");
        var pinned = f.Handler.State.Pfn;
        var snapshot = f.Handler.State.MmuSeq;
        Assert.Equal(h.HostPfn(Hva), pinned);

        // The host migrates the page the paused fault holds a reference on: the invalidation runs (range-start unmaps,
        // range-end bumps the sequence) but migrate_pages refuses the referenced folio, so the page stays where it is.
        var migrate = h.HostOp(HostOp.Migrate, Hva);
        h.StepUntil(migrate, "range-start");
        Assert.Equal(1, h.Kvm.Notifier.MmuInvalidateInProgress);
        h.StepToEnd(migrate);
        Assert.Equal(Errno.EBUSY, migrate.Result);
        Assert.Equal(snapshot + 1, h.Kvm.Notifier.MmuInvalidateSeq);

        // Resumed, the fault takes mmu_lock and fails the retry check on the moved sequence: it releases the page unused
        // and maps nothing. The guest re-executes the access, re-faults, and maps.
        h.StepUntil(f, "mmu-lock");
        h.Step(f);
        Assert.Equal(FaultResult.Retry, f.Handler.Result);
        Assert.False(h.Vm.Leaf(Gpa).Valid);
        h.StepToEnd(f);

        Assert.Equal([FaultResult.Retry, FaultResult.Map], f.Faults);
        Assert.Equal(AccessExit.Completed, f.Exit);
        Assert.Equal(5UL, f.ReadValue);
        var leaf = h.Vm.Leaf(Gpa);
        Assert.True(leaf.Valid);
        Assert.Equal(h.HostPfn(Hva), leaf.Leaf.PfnAt(new Ipa(Gpa)));
        Assert.Equal(pinned, leaf.Leaf.PfnAt(new Ipa(Gpa)));

        // The mapping is the host's page: a guest write through it is what the host reads back.
        var w = h.AccessToEnd(Gpa, AccessKind.Write, 7);
        Assert.Empty(w.Faults);
        Assert.Equal(7UL, h.HostRead(Hva));
        h.AssertCleanAndBalanced();
    }

    [Fact]
    public void FaultPausedBeforePinWhileHostMigrates_RetriesThenMapsTheNewPageKeepingGuestValue()
    {
        var h = AnonSlot();
        h.HostWrite(Hva, 5);
        var oldPfn = h.HostPfn(Hva);
        var f = h.Access(Gpa, AccessKind.Write, 6);
        h.StepUntil(f, "vma-snapshot");
        var snapshot = f.Handler.State.MmuSeq;

        // No reference is held yet: the migration moves the page (content copied) and bumps the sequence.
        var migrate = h.HostOp(HostOp.Migrate, Hva);
        h.StepToEnd(migrate);
        Assert.Equal(Errno.Ok, migrate.Result);
        var newPfn = h.HostPfn(Hva);
        Assert.NotEqual(oldPfn, newPfn);
        Assert.Equal(snapshot + 1, h.Kvm.Notifier.MmuInvalidateSeq);

        // The fault pins the NEW page, but its snapshot is older than the migration: retry anyway, then map it.
        h.StepUntil(f, "pfn-faultin");
        Assert.Equal(newPfn, f.Handler.State.Pfn);
        h.StepUntil(f, "mmu-lock");
        h.Step(f);
        Assert.Equal(FaultResult.Retry, f.Handler.Result);
        h.StepToEnd(f);

        Assert.Equal([FaultResult.Retry, FaultResult.Map], f.Faults);
        var leaf = h.Vm.Leaf(Gpa);
        Assert.True(leaf.Valid);
        Assert.Equal(Sizes.PageSize, leaf.Leaf.Size);
        Assert.Equal(newPfn, leaf.Leaf.PfnAt(new Ipa(Gpa)));
        Assert.Equal(6UL, h.HostRead(Hva));
        var r = h.AccessToEnd(Gpa, AccessKind.Read);
        Assert.Empty(r.Faults);
        Assert.Equal(6UL, r.ReadValue);
        h.AssertCleanAndBalanced();
    }
}
