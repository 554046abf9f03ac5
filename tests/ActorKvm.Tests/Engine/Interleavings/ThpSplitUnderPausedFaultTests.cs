using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.Interleavings;

/// <summary>
/// <c>transparent_hugepage_adjust</c> safety against <c>split_huge_pmd</c>, gated on the actor engine (scenario
/// <c>race-thp-split-under-paused-fault</c>): a fault that pinned a page of a 2 MiB THP is paused before
/// <c>mmu_lock</c>; the split runs a full notifier invalidation, so the fault retries instead of mapping a block over
/// a host mapping that is now 4 KiB, and the re-fault maps a single 4 KiB leaf.
/// </summary>
public class ThpSplitUnderPausedFaultTests : Akka.TestKit.Xunit2.TestKit
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    public ThpSplitUnderPausedFaultTests() : base(EngineConfig.Load()) { }

    [Fact]
    public void ThpSplitWhileFaultPausedAfterPin_RetriesThenMapsA4KLeafNotABlock()
    {
        // Twin: mmu-seq-snapshot-after-faultin
        var h = new InterleavingHarness(this, TestVm.WithSlot(BackingKind.Thp, Sizes.PmdSize));
        h.HostWrite(Hva, 5);
        Assert.Equal(Sizes.PmdSize, h.Kvm.Mm.PageTable.MappingSize(new Hva(Hva)));
        var f = h.Access(Gpa, AccessKind.Read);
        h.StepUntil(f, "pfn-faultin");
        var snapshot = f.Handler.State.MmuSeq;
        var pinned = f.Handler.State.Pfn;

        var split = h.HostOp(HostOp.ThpSplit, Hva);
        h.StepToEnd(split);
        Assert.Equal(Errno.Ok, split.Result);
        Assert.Equal(Sizes.PageSize, h.Kvm.Mm.PageTable.MappingSize(new Hva(Hva)));
        Assert.Equal(snapshot + 1, h.Kvm.Notifier.MmuInvalidateSeq);

        // Had the fault gone on, THP adjust would have read the (now split) host mapping after a stale decision; the
        // retry check under mmu_lock stops it before anything is mapped.
        h.StepUntil(f, "mmu-lock");
        h.Step(f);
        Assert.Equal(FaultResult.Retry, f.Handler.Result);
        Assert.False(h.Vm.Leaf(Gpa).Valid);
        h.StepToEnd(f);

        Assert.Equal([FaultResult.Retry, FaultResult.Map], f.Faults);
        Assert.Equal(5UL, f.ReadValue);
        var leaf = h.Vm.Leaf(Gpa);
        Assert.True(leaf.Valid);
        Assert.Equal(Sizes.PageSize, leaf.Leaf.Size);
        Assert.Equal(S2Prot.RW, leaf.Leaf.Perms);
        Assert.Equal(pinned, leaf.Leaf.Pfn);
        Assert.Equal(h.HostPfn(Hva), leaf.Leaf.Pfn);
        Assert.False(h.Vm.Leaf(Gpa + Sizes.PageSize).Valid);
        h.AssertCleanAndBalanced();
    }

    [Fact]
    public void NoSplitWhileFaultPaused_SameFaultMapsTheWholeThpAsABlock()
    {
        // The control: the same fault, paused at the same point, with no split in between maps a 2 MiB block first
        // time — so the 4 KiB leaf above is the split's doing, not the layout's.
        var h = new InterleavingHarness(this, TestVm.WithSlot(BackingKind.Thp, Sizes.PmdSize));
        h.HostWrite(Hva, 5);
        var f = h.Access(Gpa, AccessKind.Read);
        h.StepUntil(f, "pfn-faultin");
        h.StepToEnd(f);

        Assert.Equal([FaultResult.Map], f.Faults);
        var leaf = h.Vm.Leaf(Gpa);
        Assert.True(leaf.Valid);
        Assert.Equal(Sizes.PmdSize, leaf.Leaf.Size);
        h.AssertCleanAndBalanced();
    }
}
