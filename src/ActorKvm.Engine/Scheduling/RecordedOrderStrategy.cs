using Akka.Actor;
using Akka.Dispatch;

namespace ActorKvm.Engine.Scheduling;

/// <summary>
/// Replays a free-running run's recorded delivery order (<see cref="DeliveryRecorder"/>) on the deterministic
/// dispatcher: at every step it runs the mailbox of the actor whose delivery comes next in the recording. The
/// recording's decision entries are handed out in place: <see cref="AtExternalStop"/> tells the harness to send
/// <c>StopRequested</c> now, <see cref="TakeHostOpDue"/> tells the workload that <c>--invalidate-rate</c>'s clock
/// fired in this turn. A mailbox that is not runnable when its delivery is due means the run is not the one
/// recorded (other options, model or engine): <see cref="Divergence"/> says where.
/// </summary>
public sealed class RecordedOrderStrategy : ISchedulingStrategy
{
    private readonly ushort[] _entries;
    private readonly Dictionary<IRunnable, int> _ids = new(ReferenceEqualityComparer.Instance);
    private IActorRef? _vm;
    private IActorRef? _workload;
    private long _next;
    private long _deliveries;
    private long _pastEnd;

    /// <summary>
    /// Bookkeeping deliveries allowed after a whole run's recording ends (a real one has a few per actor); more means
    /// the run did not end where the recording did (a damaged header: it would otherwise run on without end).
    /// </summary>
    public const long MaxPastEnd = 100_000;

    /// <summary>Replays <paramref name="entries"/>; <paramref name="prefix"/>: they stop mid-run (at the first violation).</summary>
    public RecordedOrderStrategy(ushort[] entries, bool prefix)
    {
        _entries = entries;
        Prefix = prefix;
    }

    /// <inheritdoc/>
    public bool OneDeliveryPerRun => true;

    /// <summary>The recording stops mid-run: the replay ends when it is used up rather than at quiescence.</summary>
    public bool Prefix { get; }

    /// <summary>Why the replay left the recording, or null.</summary>
    public string? Divergence { get; private set; }

    /// <summary>Deliveries replayed.</summary>
    public long Deliveries => _deliveries;

    /// <summary>Every entry was used.</summary>
    public bool Exhausted => _next >= _entries.Length;

    /// <summary>The next entry is the harness's <c>StopRequested</c>.</summary>
    public bool AtExternalStop => _next < _entries.Length && _entries[_next] == DeliveryRecorder.ExternalStop;

    /// <summary>The run's two top-level actors (their names carry per-system counters; children are named by role).</summary>
    public void Bind(IActorRef vm, IActorRef workload) => (_vm, _workload) = (vm, workload);

    /// <summary>Consumes the <see cref="AtExternalStop"/> entry.</summary>
    public void TakeExternalStop()
    {
        if (AtExternalStop) _next++;
    }

    /// <summary>In the workload's turn: true (and consumed) when the recording says a rate-driven host operation fell due here.</summary>
    public bool TakeHostOpDue()
    {
        if (_next >= _entries.Length || _entries[_next] != DeliveryRecorder.HostOpDue) return false;
        _next++;
        return true;
    }

    /// <inheritdoc/>
    public int Choose(IReadOnlyList<IRunnable> runnable)
    {
        var want = Expect(runnable);
        if (want < 0) return 0;
        for (var i = 0; i < runnable.Count; i++)
            if (IdOf(runnable[i]) == want) return i;
        Diverge(_deliveries, $"{RecordedActors.Name(want)} has nothing to deliver (runnable: {string.Join(", ", runnable.Select(r => RecordedActors.Name(IdOf(r))))})");
        return 0;
    }

    /// <inheritdoc/>
    public void Forced(IRunnable run)
    {
        var want = Expect([run]);
        if (want >= 0 && IdOf(run) != want)
            Diverge(_deliveries, $"{RecordedActors.Name(want)} has nothing to deliver (runnable: {RecordedActors.Name(IdOf(run))})");
    }

    /// <summary>The replay reached quiescence; entries left over mean it diverged.</summary>
    public void Quiescent()
    {
        if (Divergence is null && !Exhausted)
            Diverge(_deliveries + 1, _entries[_next] < DeliveryRecorder.HostOpDue
                ? $"nothing is runnable but {RecordedActors.Name(_entries[_next])} has a delivery due"
                : "nothing is runnable but a decision is due");
    }

    private int Expect(IReadOnlyList<IRunnable> runnable)
    {
        if (Divergence is not null) return -1;
        if (Exhausted)
        {
            // A whole run's recording may end before the last bookkeeping turns (they ran as its final check did, and
            // change no model state): deliver those oldest first.
            if (!Prefix)
            {
                if (++_pastEnd > MaxPastEnd) Diverge(_deliveries + 1, $"the recording ended but the run went on for {MaxPastEnd} more deliveries");
                return -1;
            }
            Diverge(_deliveries + 1, $"the recording ended but {string.Join(", ", runnable.Select(r => RecordedActors.Name(IdOf(r))))} still had deliveries");
            return -1;
        }
        var e = _entries[_next];
        if (e >= DeliveryRecorder.HostOpDue)
        {
            Diverge(_deliveries + 1, e == DeliveryRecorder.HostOpDue ? "a rate-driven host operation was due but the workload did not look" : "the stop was due but not sent");
            return -1;
        }
        _next++;
        _deliveries++;
        return e;
    }

    private void Diverge(long delivery, string why) => Divergence ??= $"delivery {delivery}: {why}";

    private int IdOf(IRunnable run)
    {
        if (_ids.TryGetValue(run, out var id)) return id;
        var owner = OwnedMessageQueue.OwnerOf(run);
        id = owner is null ? -1
            : owner.Equals(_workload) ? RecordedActors.Workload
            : owner.Equals(_vm) ? RecordedActors.Vm
            : _vm is not null && owner.Path.Parent.Equals(_vm.Path) ? RecordedActors.OfVmChild(owner.Path.Name)
            : -1;
        _ids[run] = id;
        return id;
    }
}
