using Akka.Actor;
using Akka.Configuration;
using Akka.Dispatch;
using Akka.Dispatch.MessageQueues;

namespace ActorKvm.Engine.Scheduling;

/// <summary>
/// The deterministic dispatcher's mailbox type (<c>mailbox-type</c> in <c>akka.hocon</c>): Akka's unbounded queue
/// that also knows its actor, so a strategy can tell which actor a runnable mailbox belongs to
/// (<see cref="RecordedOrderStrategy"/> replays by actor).
/// </summary>
public sealed class OwnedMailbox : MailboxType, IProducesMessageQueue<OwnedMessageQueue>
{
    /// <summary>Created by Akka from the dispatcher's config.</summary>
    public OwnedMailbox(Settings settings, Config config) : base(settings, config) { }

    /// <inheritdoc/>
    public override IMessageQueue Create(IActorRef owner, ActorSystem system) => new OwnedMessageQueue(owner);
}

/// <summary>
/// An unbounded message queue that knows the actor it belongs to, and can hold a mailbox run to one delivery: Akka
/// 1.5's mailbox delivers up to two messages per run even at <c>throughput = 1</c>, and a replay of a recorded
/// order must deliver exactly the messages recorded, one at a time.
/// </summary>
public sealed class OwnedMessageQueue(IActorRef owner) : IMessageQueue, IUnboundedMessageQueueSemantics
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<Envelope> _queue = new();
    private bool _oneOnly;
    private bool _taken;

    /// <summary>The actor whose mailbox this is.</summary>
    public IActorRef Owner { get; } = owner;

    /// <summary>Runs <paramref name="mailbox"/> (whose queue this is) delivering at most one message.</summary>
    public void RunOne(IRunnable mailbox)
    {
        (_oneOnly, _taken) = (true, false);
        try
        {
            mailbox.Run();
        }
        finally
        {
            _oneOnly = false;
        }
    }

    /// <inheritdoc/>
    public bool TryDequeue(out Envelope envelope)
    {
        if (_oneOnly && _taken)
        {
            envelope = default;
            return false; // the mailbox ends its run; it is registered again because messages remain
        }
        _taken = true;
        return _queue.TryDequeue(out envelope);
    }

    /// <inheritdoc/>
    public bool HasMessages => !_queue.IsEmpty;

    /// <inheritdoc/>
    public int Count => _queue.Count;

    /// <inheritdoc/>
    public void Enqueue(IActorRef receiver, Envelope envelope)
    {
        DeliveryObservers.Current?.Sent(Owner);
        _queue.Enqueue(envelope);
    }

    /// <summary>The message the next delivery will hand to the actor, or null when the mailbox is empty.</summary>
    public object? Head => _queue.TryPeek(out var e) ? e.Message : null;

    /// <inheritdoc/>
    public void CleanUp(IActorRef owner, IMessageQueue deadletters)
    {
        while (_queue.TryDequeue(out var e)) deadletters.Enqueue(owner, e);
    }

    /// <summary>The owner of a runnable handed to the deterministic executor (a mailbox), or null.</summary>
    public static IActorRef? OwnerOf(IRunnable run) => QueueOf(run)?.Owner;

    /// <summary>The queue of a runnable handed to the deterministic executor (a mailbox), or null.</summary>
    public static OwnedMessageQueue? QueueOf(IRunnable run) => (run as Mailbox)?.MessageQueue as OwnedMessageQueue;
}
