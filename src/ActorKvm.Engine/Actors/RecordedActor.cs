using ActorKvm.Engine.Scheduling;
using Akka.Actor;

namespace ActorKvm.Engine.Actors;

/// <summary>
/// The base of the stress run's actors: when a <see cref="DeliveryRecorder"/> is attached (a free-running run being
/// recorded), each turn runs whole inside the recorder's lock and is recorded under the actor's
/// <see cref="RecordedActors"/> number; otherwise a turn is an ordinary Akka turn.
/// </summary>
public abstract class RecordedActor : ReceiveActor
{
    private DeliveryRecorder? _recorder;
    private int _id;

    /// <summary>Records this actor's turns into <paramref name="recorder"/> (if not null) as actor <paramref name="id"/>.</summary>
    protected void RecordTurns(DeliveryRecorder? recorder, int id)
    {
        _recorder = recorder;
        _id = id;
    }

    /// <summary>When set (a profile: <c>bench --quick-contention ... --profile</c>), every message the run's actors receive is counted here by type.</summary>
    public static System.Collections.Concurrent.ConcurrentDictionary<Type, long>? Received { get; set; }

    /// <inheritdoc/>
    protected override bool AroundReceive(Receive receive, object message)
    {
        if (Received is { } counts) counts.AddOrUpdate(message.GetType(), 1, static (_, n) => n + 1);
        if (_recorder is not { } r) return base.AroundReceive(receive, message);
        lock (r.Lock)
        {
            r.Delivered(_id);
            var handled = base.AroundReceive(receive, message);
            r.TurnEnded();
            return handled;
        }
    }
}
