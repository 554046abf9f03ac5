using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Actors.Messages;

/// <summary>A worker's note to itself: run the next phase of <paramref name="Activity"/> (each phase is its own message turn).</summary>
public sealed record PhaseContinued(Activity Activity);
