using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Actors.Messages;

/// <summary>An activity ran one phase (or found it must wait): the phase boundary it reached.</summary>
public sealed record StepCompleted(int ActivityId, StepResult Result);
