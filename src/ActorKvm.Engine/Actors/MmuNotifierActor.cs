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
    public MmuNotifierActor(Kvm kvm, IActorRef mmuLock) : base(kvm, mmuLock) { }

    /// <summary>Props.</summary>
    public static Props Props(Kvm kvm, IActorRef mmuLock) => Akka.Actor.Props.Create(() => new MmuNotifierActor(kvm, mmuLock));
}
