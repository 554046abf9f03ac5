using ActorKvm.Engine.Actors.Messages;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Actors;

/// <summary>
/// <c>kvm-&gt;mmu_lock</c> as an actor: holders that could not take the lock register here, and when it moves
/// the actor tells the waiter the scheduler names (<see cref="ActivityScheduler.LockWaiterToWake"/>: the FIFO order the
/// model's queued rwlock keeps, so a writer is not starved). This actor only turns that into messages.
/// </summary>
public sealed class MmuLockActor : RecordedActor
{
    private readonly ActivityScheduler _scheduler;
    private readonly Dictionary<int, IActorRef> _waiters = [];

    /// <summary>Creates the lock actor.</summary>
    public MmuLockActor(ActivityScheduler scheduler, DeliveryRecorder? recorder)
    {
        _scheduler = scheduler;
        RecordTurns(recorder, RecordedActors.MmuLock);
        Receive<ActivitiesAbandoned>(_ => _waiters.Clear());
        Receive<LockRequested>(r =>
        {
            _waiters[r.Holder] = Sender;
            Recheck();
        });
        Receive<LockReleased>(_ => Recheck());
    }

    /// <summary>Props.</summary>
    public static Props Props(ActivityScheduler scheduler, DeliveryRecorder? recorder) => Akka.Actor.Props.Create(() => new MmuLockActor(scheduler, recorder));

    private void Recheck()
    {
        int next;
        DeliveryObservers.Current?.Touched(ModelAccess.Read);
        lock (_scheduler.Kvm) next = _scheduler.LockWaiterToWake();
        if (next >= 0 && _waiters.Remove(next, out var worker)) worker.Tell(new LockAvailable(next));
    }
}
