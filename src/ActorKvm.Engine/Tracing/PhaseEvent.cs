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
public readonly record struct PhaseEvent(long Start, long Duration, string Track, int Activity, string Kind, string Phase, StepStatus Status)
{
    /// <summary>The kernel facts at the phase boundary (<see cref="PhaseFacts"/>), when the recorder saw the model; else null.</summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Args { get; init; }
}

/// <summary>A violation the oracle reported, as an instant event on the track of the phase after which it was seen.</summary>
/// <param name="At">The clock value (as <see cref="PhaseEvent.Start"/>).</param>
/// <param name="Track">The actor whose phase the oracle checked.</param>
/// <param name="AfterEvent">Index of that phase's event.</param>
/// <param name="Kind">The violation's name (<c>stale-mapping</c>).</param>
/// <param name="Detail">The violation's text.</param>
/// <param name="Subject">Its subject (kind + address), if any.</param>
public readonly record struct ViolationEvent(long At, string Track, int AfterEvent, string Kind, string Detail, string? Subject);
