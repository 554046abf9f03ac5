using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Actors.Messages;

/// <summary>Asks the actor that runs <paramref name="Activity"/> (its vCPU, the notifier, the memslot manager) to run its next phase.</summary>
public sealed record StepRequested(Activity Activity);
