using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Tracing;

/// <summary>One phase an actor ran (or found blocked): a slice on that actor's track.</summary>
/// <param name="Start">When it began: microseconds on a free-running engine, the delivery number on the deterministic one.</param>
/// <param name="Duration">How long it took, in the same unit (at least 1).</param>
/// <param name="Track">The actor that ran it (<c>vcpu-0</c>, <c>mmu-notifier</c>, <c>memslots</c>).</param>
/// <param name="Activity">The activity's id.</param>
/// <param name="Kind">What the activity is (<c>GuestAccess</c>, <c>HostOperation</c>, ...).</param>
/// <param name="Phase">The phase boundary reached, or the wait reason when blocked.</param>
/// <param name="Status">Progressed, blocked or done.</param>
public readonly record struct PhaseEvent(long Start, long Duration, string Track, int Activity, string Kind, string Phase, StepStatus Status);
