using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Actors.Messages;

/// <summary>Asks the owning actor to run <paramref name="Activity"/> to completion on its own, phase by phase; <paramref name="ReplyTo"/> hears <see cref="ActivityFinished"/>.</summary>
public sealed record RunRequested(Activity Activity, IActorRef ReplyTo);
