using ActorKvm.Engine.Tracing;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Actors.Messages;

/// <summary>
/// Asks an idle VM actor to run a fresh model with the same actors (schedule exploration runs thousands of short
/// runs; creating and stopping the actor tree each time would cost more than the run). The model must have as many
/// vCPUs as the VM actor has; send it only at quiescence.
/// </summary>
public sealed record VmReattached(Kvm Kvm, TraceRecorder? Trace = null);
