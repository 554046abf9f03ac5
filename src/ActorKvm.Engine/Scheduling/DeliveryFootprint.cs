using Akka.Actor;

namespace ActorKvm.Engine.Scheduling;

/// <summary>How a delivery touched the shared model (the <c>Kvm</c> behind the VM's gate, and the runner's pause set).</summary>
public enum ModelAccess : byte
{
    /// <summary>Only the actor's own state and its sends.</summary>
    None,
    /// <summary>Read the model (the lock actor's queue check, the VM actor's progress epoch).</summary>
    Read,
    /// <summary>Ran a model phase (or changed runner state a stop condition reads).</summary>
    Write,
}

/// <summary>
/// Hears what a delivery on the deterministic dispatcher touches, for an explorer that needs to know which deliveries
/// commute. Set per thread (the deterministic driver's); null — the usual case — costs one thread-static read.
/// </summary>
public interface IDeliveryObserver
{
    /// <summary>A message was put in <paramref name="receiver"/>'s mailbox.</summary>
    void Sent(IActorRef receiver);

    /// <summary>The model was read or written.</summary>
    void Touched(ModelAccess access);
}

/// <summary>The current thread's <see cref="IDeliveryObserver"/>, if an explorer set one.</summary>
public static class DeliveryObservers
{
    [ThreadStatic] private static IDeliveryObserver? _current;

    /// <summary>The observer of this thread's deliveries, or null.</summary>
    public static IDeliveryObserver? Current
    {
        get => _current;
        set => _current = value;
    }
}
