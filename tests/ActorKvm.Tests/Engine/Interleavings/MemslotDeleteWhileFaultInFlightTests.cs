using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.Interleavings;

/// <summary>
/// <c>kvm_set_memslot</c> DELETE vs a fault under SRCU, gated on the actor engine (scenario
/// <c>race-memslot-delete-waits-for-fault</c>): the fault looked the slot up inside <c>srcu_read_lock</c> and is
/// paused; the delete publishes the INVALID slot and then waits in <c>synchronize_srcu</c> for it. Only after the fault
/// has mapped and left SRCU does <c>kvm_arch_flush_shadow_memslot</c> run — and it removes that mapping.
/// </summary>
public class MemslotDeleteWhileFaultInFlightTests : Akka.TestKit.Xunit2.TestKit
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    public MemslotDeleteWhileFaultInFlightTests() : base(EngineConfig.Load()) { }

    [Fact]
    public void MemslotDeleteWhileFaultInFlight_WaitsInSynchronizeSrcuForTheFaultThenFlushesItsMapping()
    {
        var h = new InterleavingHarness(this, TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize));
        var f = h.Access(Gpa, AccessKind.Write, 1);
        h.StepUntil(f, "memslot-lookup");
        Assert.True(h.Kvm.Srcu.Holds(f.Id));

        var delete = h.DeleteSlot(0);
        h.StepBlocked(delete, "synchronize_srcu", f);
        Assert.True(h.Kvm.Memslots.ById(0)!.Invalid); // new faults already miss the slot...
        Assert.False(f.Handler.Desc!.Value.Memslot.Invalid); // ...but the paused one keeps the valid slot it looked up

        // The fault goes all the way to its map while the delete still waits.
        h.StepUntil(f, "map");
        Assert.True(h.Vm.Leaf(Gpa).Valid);
        h.StepBlocked(delete, "synchronize_srcu", f);
        h.StepToEnd(f);
        Assert.Equal([FaultResult.Map], f.Faults);
        Assert.Equal(AccessExit.Completed, f.Exit);
        Assert.False(h.Kvm.Srcu.Holds(f.Id));
        var mapped = h.Vm.Leaf(Gpa);
        Assert.True(mapped.Valid);
        Assert.Equal(Sizes.PageSize, mapped.Leaf.Size);

        // Now the grace period is over: invalidate, flush (the fault's leaf goes), install the set without the slot.
        Assert.Equal("slot-invalidated", h.Step(delete).Phase);
        Assert.Equal("flushed", h.Step(delete).Phase);
        Assert.False(h.Vm.Leaf(Gpa).Valid);
        Assert.Equal(Model.Vm.StepStatus.Done, h.Step(delete).Status);
        Assert.Equal(Errno.Ok, delete.Result);
        Assert.Null(h.Kvm.Memslots.ById(0));

        var after = h.AccessToEnd(Gpa, AccessKind.Read);
        Assert.Equal(AccessExitKind.Mmio, after.Exit.Kind);
        Assert.False(h.Vm.Leaf(Gpa).Valid);
        Assert.Equal(1UL, h.HostRead(Hva)); // the guest's write landed in the host page before the slot went
        h.AssertCleanAndBalanced();
    }
}
