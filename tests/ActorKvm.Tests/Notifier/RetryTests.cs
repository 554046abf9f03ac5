using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Notifier;

/// <summary><c>mmu_invalidate_retry</c> (range-blind on arm64) and when the notifier bumps the sequence.</summary>
public class RetryTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;
    private const ulong OtherHva = 0x7e00_0000_0000;

    private static TestVm TwoMegAnonPlusUnslottedVma() =>
        TestVm.WithSlot(BackingKind.Anon, 2 * Sizes.PmdSize).Vma(OtherHva, Sizes.PmdSize, BackingKind.Anon);

    [Fact]
    public void UnrelatedInvalidationInProgressAtRetryCheck_ForcesRetry()
    {
        // mmu_invalidate_retry: in_progress != 0 -> retry, whatever the range (arm64 does not use the _gfn variant)
        var vm = TwoMegAnonPlusUnslottedVma();
        var a = vm.Start(Gpa, AccessKind.Write, 5);
        Drive.Until(a, "prot-computed");
        var h = vm.HostOp(HostOp.MadviseDontneed, Hva + Sizes.PmdSize + 0x10_0000);
        Drive.Until(h, "range-start");
        Assert.Equal(1, vm.Kvm.Notifier.MmuInvalidateInProgress);
        Assert.False(vm.Kvm.Notifier.RetryGfn(a.Handler.State.MmuSeq, a.Handler.State.Gfn)); // x86 would not retry
        Drive.Until(a, "mmu-lock");
        var r = a.Step();
        Assert.Equal("complete", r.Phase);
        Assert.Equal(FaultResult.Retry, a.Handler.Result);
        Assert.False(vm.Leaf(Gpa).Valid);
        Assert.Equal(StepStatus.Blocked, a.Step().Status); // spins until the invalidation ends
        Drive.ToEnd(h);
        Drive.ToEnd(a);
        Assert.Equal([FaultResult.Retry, FaultResult.Map], a.Faults);
        Assert.Equal(5UL, vm.HostRead(Hva));
        vm.Kvm.Oracle.Check();
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void InvalidationStartedAndEndedAfterSnapshot_ForcesRetryBySequence()
    {
        // mmu_invalidate_retry: in_progress == 0 but mmu_invalidate_seq != mmu_seq -> retry
        var vm = TwoMegAnonPlusUnslottedVma();
        var a = vm.Start(Gpa, AccessKind.Write, 5);
        Drive.Until(a, "vma-snapshot");
        var seq = a.Handler.State.MmuSeq;
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.MadviseDontneed, Hva + Sizes.PmdSize));
        Assert.Equal(seq + 1, vm.Kvm.Notifier.MmuInvalidateSeq);
        Drive.ToEnd(a);
        Assert.Equal([FaultResult.Retry, FaultResult.Map], a.Faults);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void InvalidationOfHvaOutsideEveryMemslot_LeavesSequenceAloneAndFaultMapsFirstTime()
    {
        // kvm_mmu_notifier_invalidate_range_start/end: no intersecting memslot -> no begin, no seq++, no in_progress
        var vm = TwoMegAnonPlusUnslottedVma();
        var a = vm.Start(Gpa, AccessKind.Write, 5);
        Drive.Until(a, "vma-snapshot");
        var h = vm.HostOp(HostOp.MadviseDontneed, OtherHva);
        Drive.Until(h, "range-start");
        Assert.Equal(0, vm.Kvm.Notifier.MmuInvalidateInProgress);
        Drive.ToEnd(h);
        Assert.Equal(0UL, vm.Kvm.Notifier.MmuInvalidateSeq);
        Drive.ToEnd(a);
        Assert.Equal([FaultResult.Map], a.Faults);
    }

    [Fact]
    public void InvalidationIntersectingASlot_BumpsSequenceOnceAtRangeEnd()
    {
        // kvm_mmu_invalidate_end: seq++ then in_progress-- (one per end(), only with an intersecting slot)
        var vm = TwoMegAnonPlusUnslottedVma();
        var h = vm.HostOp(HostOp.MadviseDontneed, Hva, Sizes.PmdSize);
        Drive.Until(h, "range-start");
        Assert.Equal(1, vm.Kvm.Notifier.MmuInvalidateInProgress);
        Assert.Equal(0UL, vm.Kvm.Notifier.MmuInvalidateSeq);
        Drive.Until(h, "host-change");
        Assert.Equal(0UL, vm.Kvm.Notifier.MmuInvalidateSeq);
        Drive.ToEnd(h);
        Assert.Equal(1UL, vm.Kvm.Notifier.MmuInvalidateSeq);
        Assert.Equal(0, vm.Kvm.Notifier.MmuInvalidateInProgress);
    }

    [Fact]
    public void RangeStart_UnmapsStageTwoBeforeTheHostChanges()
    {
        // kvm_mmu_notifier_invalidate_range_start -> kvm_unmap_gfn_range under the write lock
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        var h = vm.HostOp(HostOp.SwapOut, Hva);
        Drive.Until(h, "range-start");
        Assert.False(vm.Leaf(Gpa).Valid);
        Assert.True(vm.Kvm.Mm.PageTable.TryGet(new Hva(Hva), out _));
        Drive.ToEnd(h);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void ConcurrentInvalidations_AccumulateTheirRangesIntoOneHull()
    {
        // kvm_mmu_invalidate_range_add: ranges widen to [min start, max end) until in_progress drops to 0
        var vm = TestVm.WithSlot(BackingKind.Anon, 2 * Sizes.PmdSize);
        var h1 = vm.HostOp(HostOp.MadviseDontneed, Hva + 0x1000);
        var h2 = vm.HostOp(HostOp.MadviseDontneed, Hva + Sizes.PmdSize);
        Drive.Until(h1, "range-start");
        Drive.Until(h2, "range-start");
        var baseGfn = Gfn.Of(new Ipa(Gpa)).Value;
        Assert.Equal(2, vm.Kvm.Notifier.MmuInvalidateInProgress);
        Assert.Equal(baseGfn + 1, vm.Kvm.Notifier.RangeStart);
        Assert.Equal(baseGfn + 512 + 1, vm.Kvm.Notifier.RangeEnd);
        Drive.ToEnd(h1);
        Assert.Equal(baseGfn + 1, vm.Kvm.Notifier.RangeStart);
        Drive.ToEnd(h2);
        Assert.Equal(2UL, vm.Kvm.Notifier.MmuInvalidateSeq);
    }

    [Fact]
    public void AgingNotifier_ChangesNeitherSequenceNorInProgress()
    {
        // kvm_age_gfn: no begin/end, no seq change
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig());
        vm.Access(Gpa, AccessKind.Write, 1);
        var age = new Model.Notifier.AgeOperation(vm.Kvm, vm.NextId(), new Ipa(Gpa), Sizes.PmdSize);
        Drive.ToEnd(age);
        Assert.Equal(0UL, vm.Kvm.Notifier.MmuInvalidateSeq);
        Assert.Equal(0, vm.Kvm.Notifier.MmuInvalidateInProgress);
        Assert.True(vm.Leaf(Gpa).Valid);
    }
}
