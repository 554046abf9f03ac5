using Stopwatch = System.Diagnostics.Stopwatch;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Tracing;

/// <summary>
/// Collects the phase slices of a run for <c>--trace FILE</c>. Called inside the VM's gate, so events arrive one
/// at a time and in the order the phases really ran. The clock is injected: wall-clock microseconds on the
/// free-running engine, the delivery count on the deterministic one (so a replay is byte-identical).
/// </summary>
public sealed class TraceRecorder
{
    private readonly Func<long> _clock;
    private readonly List<PhaseEvent> _events = [];

    /// <summary>Creates a recorder over <paramref name="clock"/>; at most <paramref name="limit"/> events are kept.</summary>
    public TraceRecorder(Func<long> clock, int limit = 4_000_000)
    {
        _clock = clock;
        Limit = limit;
    }

    /// <summary>A recorder whose clock is wall-clock microseconds since its creation.</summary>
    public static TraceRecorder WallClock()
    {
        var sw = Stopwatch.StartNew();
        return new TraceRecorder(() => sw.Elapsed.Ticks / (TimeSpan.TicksPerMillisecond / 1000));
    }

    /// <summary>The most events kept; later ones are counted in <see cref="Dropped"/>.</summary>
    public int Limit { get; }

    /// <summary>Events not kept because the limit was reached.</summary>
    public long Dropped { get; private set; }

    /// <summary>The recorded events, in the order they ran.</summary>
    public IReadOnlyList<PhaseEvent> Events => _events;

    /// <summary>The clock now (read before a phase runs).</summary>
    public long Now() => _clock();

    /// <summary>Records a phase that began at <paramref name="start"/> and has just ended.</summary>
    public void Record(long start, string track, Activity activity, StepResult result)
    {
        if (_events.Count >= Limit)
        {
            Dropped++;
            return;
        }
        var phase = result.Status == StepStatus.Blocked ? $"wait: {result.Wait?.Reason}" : result.Phase ?? "done";
        _events.Add(new PhaseEvent(start, Math.Max(1, _clock() - start), track, activity.Id, activity.GetType().Name, phase, result.Status));
    }
}
