using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Actors;

/// <summary>
/// The host-MM invalidation source: runs host operations as range-start / host-change / range-end phases,
/// taking <c>mmu_lock</c> for write as <c>kvm_mmu_notifier_invalidate_range_start</c> does; also aging and
/// the VMM's own reads and writes.
/// </summary>
public sealed class MmuNotifierActor : ActivityWorker
{
    /// <summary>Creates the notifier actor.</summary>
    public MmuNotifierActor(VmGate gate, IActorRef mmuLock, IActorRef vm) : base(gate, mmuLock, vm) { }

    /// <summary>Props.</summary>
    public static Props Props(VmGate gate, IActorRef mmuLock, IActorRef vm) => Akka.Actor.Props.Create(() => new MmuNotifierActor(gate, mmuLock, vm));
}
