using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Actors.Messages;

/// <summary>A self-driven activity finished.</summary>
public sealed record ActivityFinished(Activity Activity);
