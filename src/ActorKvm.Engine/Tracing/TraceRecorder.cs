using Stopwatch = System.Diagnostics.Stopwatch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Oracle;
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
    private readonly List<(int From, int To)> _flows = [];
    private readonly Dictionary<int, int> _snapshotAt = [];
    private int _lastInvalidation = -1;
    private readonly List<(int From, int To)> _missed = [];
    private readonly List<ViolationEvent> _violations = [];
    private readonly List<(int Index, int Op, ulong Start, ulong End)> _invalidations = [];
    private readonly Dictionary<int, (int Index, ulong Start, ulong End)> _open = [];
    private int _violationsSeen;

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

    /// <summary>Flow arrows: from an invalidation's phase to a fault's retry it caused (indices into <see cref="Events"/>).</summary>
    public IReadOnlyList<(int From, int To)> Flows => _flows;

    /// <summary>
    /// Flow arrows from an invalidation (its range-start or range-end) to a fault that passed <c>mmu_invalidate_retry</c>
    /// although that invalidation covered its gfn and ran after its <c>mmu_seq</c> snapshot, or was still in progress: the
    /// invalidation the fault missed. The fixed kernel never makes one.
    /// </summary>
    public IReadOnlyList<(int From, int To)> MissedFlows => _missed;

    /// <summary>The violations the oracle reported, each after the phase that let it see them.</summary>
    public IReadOnlyList<ViolationEvent> Violations => _violations;

    /// <summary>The clock now (read before a phase runs).</summary>
    public long Now() => _clock();

    /// <summary>Records a phase that began at <paramref name="start"/> and has just ended.</summary>
    public void Record(long start, string track, Activity activity, StepResult result) => Record(start, track, activity, result, null);

    /// <summary>
    /// Records a phase, with the kernel facts read from <paramref name="kvm"/> at its boundary (<see cref="PhaseFacts"/>)
    /// and the arrows from any invalidation the fault missed.
    /// </summary>
    public void Record(long start, string track, Activity activity, StepResult result, Kvm? kvm)
    {
        if (_events.Count >= Limit)
        {
            Dropped++;
            return;
        }
        var phase = result.Status == StepStatus.Blocked ? $"wait: {result.Wait?.Reason}" : result.Phase ?? "done";
        var index = _events.Count;
        _events.Add(new PhaseEvent(start, Math.Max(1, _clock() - start), track, activity.Id, activity.GetType().Name, phase, result.Status)
        {
            Args = kvm is null ? null : PhaseFacts.Of(kvm, activity, result),
        });
        LinkRetry(index, activity, phase);
        if (kvm is not null) LinkMissed(index, activity, phase, kvm);
    }

    /// <summary>Records the oracle's violations reported since the last call as instant events after the latest phase.</summary>
    public void NoteViolations(IReadOnlyList<Violation> violations)
    {
        for (; _violationsSeen < violations.Count; _violationsSeen++)
        {
            if (_events.Count == 0) continue;
            var last = _events[^1];
            var v = violations[_violationsSeen];
            _violations.Add(new ViolationEvent(last.Start + last.Duration, last.Track, _events.Count - 1, v.Kind.Name(), v.Detail, v.Subject));
        }
    }

    private static readonly string RetryCheck = FaultPhase.RetryCheck.Name();

    private void LinkMissed(int index, Activity activity, string phase, Kvm kvm)
    {
        if (activity is HostOperation op && (phase == RangeStart || phase == RangeEnd))
        {
            if (phase == RangeStart && kvm.Notifier.RangeStart != MmuNotifierState.InvalidGfn)
                _open[op.Id] = (index, kvm.Notifier.RangeStart, kvm.Notifier.RangeEnd);
            if (_open.TryGetValue(op.Id, out var range))
            {
                _invalidations.Add((index, op.Id, range.Start, range.End));
                if (phase == RangeEnd) _open.Remove(op.Id);
            }
            return;
        }
        if (activity is not GuestAccess g || phase != RetryCheck || !_snapshotAt.TryGetValue(g.Id, out var snap)) return;
        var gfn = g.Handler.State.Gfn.Value;
        var linked = new HashSet<int>();
        for (var i = _invalidations.Count - 1; i >= 0 && _invalidations[i].Index > snap; i--)
        {
            var (at, opId, start, end) = _invalidations[i];
            if (gfn >= start && gfn < end && linked.Add(opId)) _missed.Add((at, index));
        }
        foreach (var (opId, (at, start, end)) in _open)
            if (at <= snap && gfn >= start && gfn < end && linked.Add(opId)) _missed.Add((at, index));
    }

    private static readonly string VmaSnapshot = FaultPhase.VmaSnapshot.Name();
    private static readonly string Complete = FaultPhase.Complete.Name();
    private static readonly string RangeStart = HostOpPhase.RangeStart.Name();
    private static readonly string RangeEnd = HostOpPhase.RangeEnd.Name();

    /// <summary>
    /// A fault that retries (<c>mmu_invalidate_retry</c> said so) is linked to the latest invalidation phase
    /// (range-start or range-end) after its <c>mmu_seq</c> snapshot: the change that made it retry.
    /// </summary>
    private void LinkRetry(int index, Activity activity, string phase)
    {
        if (phase == RangeStart || phase == RangeEnd) _lastInvalidation = index;
        if (activity is not GuestAccess g) return;
        if (phase == VmaSnapshot) _snapshotAt[g.Id] = index;
        else if (phase == Complete && g.Faults.Count > 0 && g.Faults[^1] == FaultResult.Retry
                 && _snapshotAt.Remove(g.Id, out var snap) && _lastInvalidation > snap)
            _flows.Add((_lastInvalidation, index));
    }
}
