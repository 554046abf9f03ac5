using ActorKvm.Engine.Actors.Messages;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Actors;

/// <summary>
/// <c>kvm-&gt;mmu_lock</c> as an actor: holders that could not take the lock register here, and when it moves
/// the actor tells the next eligible waiter, in the FIFO order the model's queued rwlock keeps (so a writer is
/// not starved). The lock state itself stays in the model; this actor only turns it into messages.
/// </summary>
public sealed class MmuLockActor : RecordedActor
{
    private readonly VmGate _gate;
    private readonly Dictionary<int, IActorRef> _waiters = [];

    /// <summary>Creates the lock actor.</summary>
    public MmuLockActor(VmGate gate)
    {
        _gate = gate;
        RecordTurns(gate.Recorder, RecordedActors.MmuLock);
        Receive<ActivitiesAbandoned>(_ => _waiters.Clear());
        Receive<LockRequested>(r =>
        {
            _waiters[r.Holder] = Sender;
            Recheck();
        });
        Receive<LockReleased>(_ => Recheck());
    }

    /// <summary>Props.</summary>
    public static Props Props(VmGate gate) => Akka.Actor.Props.Create(() => new MmuLockActor(gate));

    private void Recheck()
    {
        int next;
        var kvm = _gate.Kvm;
        DeliveryObservers.Current?.Touched(ModelAccess.Read);
        lock (kvm) next = kvm.MmuLock.NextEligible();
        if (next >= 0 && _waiters.Remove(next, out var worker)) worker.Tell(new LockAvailable(next));
    }
}
