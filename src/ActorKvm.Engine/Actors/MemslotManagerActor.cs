using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Actors;

/// <summary>
/// Memslot and dirty-log changes (<c>kvm_set_memslot</c>, GET/CLEAR_DIRTY_LOG) with SRCU semantics: a change
/// waits for every in-flight fault that looked up the old memslots, then flushes stage 2.
/// </summary>
public sealed class MemslotManagerActor : ActivityWorker
{
    /// <summary>Creates the memslot manager.</summary>
    public MemslotManagerActor(Kvm kvm, IActorRef mmuLock) : base(kvm, mmuLock) { }

    /// <summary>Props.</summary>
    public static Props Props(Kvm kvm, IActorRef mmuLock) => Akka.Actor.Props.Create(() => new MemslotManagerActor(kvm, mmuLock));
}
