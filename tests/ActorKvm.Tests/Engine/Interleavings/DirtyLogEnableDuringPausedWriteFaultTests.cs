using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.Interleavings;

/// <summary>
/// Enabling dirty logging (a FLAGS_ONLY <c>kvm_set_memslot</c>) while a write fault that looked up the old,
/// non-logging slot is paused between <c>kvm_s2_fault_compute_prot</c> and the map, gated on the actor engine
/// (scenario <c>race-dirty-log-enable-during-paused-write</c>). The new flags are published, but
/// <c>synchronize_srcu</c> holds the commit (<c>kvm_mmu_wp_memory_region</c>) back until the fault has left SRCU, so
/// the writable block the fault installs is write-protected afterwards, and the next write is logged at 4 KiB.
/// </summary>
public class DirtyLogEnableDuringPausedWriteFaultTests : Akka.TestKit.Xunit2.TestKit
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    public DirtyLogEnableDuringPausedWriteFaultTests() : base(EngineConfig.Load()) { }

    [Fact]
    public void DirtyLogEnabledWhileWriteFaultIsBetweenComputeProtAndMap_CommitWaitsForTheFaultThenWriteProtectsItsBlock()
    {
        var h = new InterleavingHarness(this, TestVm.WithSlot(BackingKind.Thp, Sizes.PmdSize));
        var f = h.Access(Gpa, AccessKind.Write, 1);
        h.StepUntil(f, "prot-computed");
        Assert.Equal(S2Prot.RW, f.Handler.State.Prot & S2Prot.PermMask);

        // The flags change publishes the logging slot, then waits in synchronize_srcu for the fault (an earlier reader).
        var flags = h.SetFlags(0, MemslotFlags.LogDirtyPages);
        h.StepBlocked(flags, "synchronize_srcu", f);
        Assert.True(h.Kvm.Memslots.ById(0)!.IsLogging);
        Assert.False(f.Handler.Desc!.Value.LoggingActive); // the fault keeps the slot it looked up
        h.StepBlocked(flags, "synchronize_srcu", f); // still waiting: nothing moves it but the fault

        // The fault maps its 2 MiB writable block (the window the SRCU wait allows) and marks nothing: the old slot
        // has no bitmap. Only its complete boundary (srcu_read_unlock) lets the commit go on.
        h.StepUntil(f, "map");
        var mapped = h.Vm.Leaf(Gpa);
        Assert.Equal(Sizes.PmdSize, mapped.Leaf.Size);
        Assert.Equal(S2Prot.RW, mapped.Leaf.Perms);
        h.StepBlocked(flags, "synchronize_srcu", f);
        h.StepToEnd(f);
        Assert.Equal([FaultResult.Map], f.Faults);

        Assert.Equal("flags-committed", h.Step(flags).Phase);
        var wp = h.Step(flags);
        Assert.Equal(StepStatus.Done, wp.Status);
        Assert.Equal("write-protected", wp.Phase);
        Assert.Equal(Errno.Ok, flags.Result);

        // The block survived but is read-only now: no writable leaf without its dirty bit.
        var after = h.Vm.Leaf(Gpa);
        Assert.True(after.Valid);
        Assert.Equal(Sizes.PmdSize, after.Leaf.Size);
        Assert.Equal(S2Prot.R, after.Leaf.Perms);
        var get = h.GetDirtyLog(0);
        Assert.Equal(Errno.Ok, get.Result);
        Assert.Empty(get.Pages);

        // The next write takes a permission fault, splits the block at 4 KiB and is logged.
        var w = h.AccessToEnd(Gpa + 0x3000, AccessKind.Write, 2);
        Assert.Equal([FaultResult.Map], w.Faults);
        var leaf = h.Vm.Leaf(Gpa + 0x3000);
        Assert.Equal(Sizes.PageSize, leaf.Leaf.Size);
        Assert.Equal(S2Prot.RW, leaf.Leaf.Perms);
        Assert.Equal([3UL], h.GetDirtyLog(0).Pages);
        Assert.Equal(1UL, h.HostRead(Hva));
        Assert.Equal(2UL, h.HostRead(Hva + 0x3000));
        h.AssertCleanAndBalanced();
    }
}
