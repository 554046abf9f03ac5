using System.Runtime.CompilerServices;
using Akka.Actor;

namespace ActorKvm.Engine.Scheduling;

/// <summary>
/// The parent of every actor a <see cref="DeterministicSystem"/> spawns. Akka creates a top-level actor
/// asynchronously (the user guardian, on another dispatcher, starts it later), which would let actor creation
/// race the driver; a child created by an actor already on the deterministic dispatcher starts synchronously,
/// inside a driven turn.
/// </summary>
internal sealed class DeterministicRoot : ReceiveActor
{
    /// <summary>Create <paramref name="Props"/> as a child named <paramref name="Name"/> and put it in <paramref name="Created"/>.</summary>
    public sealed record SpawnRequested(Props Props, string Name, StrongBox<IActorRef?> Created);

    public DeterministicRoot()
    {
        Receive<SpawnRequested>(r => r.Created.Value = Context.ActorOf(r.Props, r.Name));
    }
}
