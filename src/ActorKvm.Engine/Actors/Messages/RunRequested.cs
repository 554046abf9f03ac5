using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Actors.Messages;

/// <summary>
/// Asks the owning actor to run <paramref name="Activity"/> to completion on its own, phase by phase; <paramref name="ReplyTo"/>
/// hears <see cref="ActivityFinished"/>. With <paramref name="PauseAt"/> it stops after that phase the first time it completes
/// it (a scenario's <c>pause-at</c>), tells <paramref name="ReplyTo"/> <see cref="ActivityPaused"/> and waits for
/// <see cref="ResumeRequested"/>.
/// </summary>
public sealed record RunRequested(Activity Activity, IActorRef ReplyTo, string? PauseAt = null);
