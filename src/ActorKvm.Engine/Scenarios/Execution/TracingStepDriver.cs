using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Tracing;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Execution;

/// <summary>
/// Records every phase a scripted run drives (<c>check --trace</c>) on the track of the actor that owns the
/// activity, with the step count as the clock: a scenario's trace is the same on every run and both engines.
/// </summary>
public sealed class TracingStepDriver : IStepDriver
{
    private readonly IStepDriver _inner;
    private long _steps;

    /// <summary>Wraps <paramref name="inner"/>.</summary>
    public TracingStepDriver(IStepDriver inner)
    {
        _inner = inner;
        Trace = new TraceRecorder(() => _steps);
    }

    /// <summary>The phases recorded so far.</summary>
    public TraceRecorder Trace { get; }

    /// <inheritdoc/>
    public void Attach(ActivityScheduler scheduler)
    {
        _kvm = scheduler.Kvm;
        _inner.Attach(scheduler);
    }

    private Kvm? _kvm;

    /// <inheritdoc/>
    public StepResult Step(Activity activity)
    {
        var start = Trace.Now();
        var r = _inner.Step(activity);
        _steps++;
        Trace.Record(start, Owner.Of(activity).Name, activity, r, _kvm);
        return r;
    }

    /// <inheritdoc/>
    public void Dispose() => _inner.Dispose();
}
