using ActorKvm.Model.Fault;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Workload;

/// <summary>
/// Times every fault from its <c>classify</c> phase to its <c>complete</c> phase (one handled fault, retries
/// counted separately), on an injected clock: microseconds free-running, deliveries on the deterministic
/// dispatcher. Called inside the VM's gate, one phase at a time.
/// </summary>
public sealed class FaultTimer
{
    private readonly Func<long> _clock;
    private static readonly string Classify = FaultPhase.Classify.Name();
    private static readonly string Complete = FaultPhase.Complete.Name();
    private readonly Dictionary<int, long> _started = [];

    /// <summary>Creates a timer over <paramref name="clock"/>; <paramref name="unit"/> names its unit for reports.</summary>
    public FaultTimer(Func<long> clock, string unit)
    {
        _clock = clock;
        Unit = unit;
    }

    /// <summary>The clock's unit (<c>us</c> or <c>deliveries</c>).</summary>
    public string Unit { get; }

    /// <summary>Fault latencies.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>Notes the phase <paramref name="activity"/> just reached.</summary>
    public void Observe(Activity activity, StepResult result)
    {
        if (activity is not GuestAccess || result.Phase is not { } phase) return;
        if (phase == Classify) _started[activity.Id] = _clock();
        else if (phase == Complete && _started.Remove(activity.Id, out var start)) Latency.Record(_clock() - start);
        if (activity.IsDone) _started.Remove(activity.Id);
    }
}
