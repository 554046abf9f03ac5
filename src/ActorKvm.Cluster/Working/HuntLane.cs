using System.Diagnostics;
using ActorKvm.Cluster.Protocol;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Model.Bugs;
using Akka.Actor;
using Akka.Configuration;

namespace ActorKvm.Cluster.Working;

/// <summary>
/// One lane of a worker node: asks the coordinator for a seed range, runs it with the single-machine hunt's own
/// per-schedule loop (<see cref="Hunter.Hunt"/> from the range's first index, shrinking a failing schedule as the
/// hunt does) on its own <see cref="DeterministicSystem"/> on a thread of its own, reports, and asks again. A range is
/// sized from the lane's last rate to take about <c>range-seconds</c>.
/// </summary>
public sealed class HuntLane : ReceiveActor
{
    private sealed record RangeRan(RangeIssued Range, HuntResult Result);

    private readonly HuntSpec _spec;
    private readonly HuntOptions _options;
    private readonly IActorRef _coordinator;
    private readonly double _rangeSeconds;
    private readonly Config _engineConfig;
    private readonly int _lane;
    private readonly IWorkerObserver _observer;
    private DeterministicSystem? _det;
    private Task? _running;
    private RangeIssued? _current;
    private CancellationTokenSource? _cancel;
    private double _rate; // schedules per second of the last range

    /// <summary>The props of lane <paramref name="lane"/> hunting <paramref name="spec"/>; <paramref name="observer"/> hears of its ranges (the worker's display).</summary>
    public static Props Props(HuntSpec spec, IActorRef coordinator, double rangeSeconds, Config engineConfig, int lane, IWorkerObserver observer) =>
        Akka.Actor.Props.Create(() => new HuntLane(spec, coordinator, rangeSeconds, engineConfig, lane, observer));

    /// <summary>Creates the lane; use <see cref="Props"/>.</summary>
    public HuntLane(HuntSpec spec, IActorRef coordinator, double rangeSeconds, Config engineConfig, int lane, IWorkerObserver observer)
    {
        _spec = spec;
        _options = spec.ToHuntOptions();
        _coordinator = coordinator;
        _rangeSeconds = rangeSeconds;
        _engineConfig = engineConfig;
        _lane = lane;
        _observer = observer;
        Receive<RangeIssued>(Run);
        Receive<RangeRan>(Ran);
        Receive<RangeCancelled>(c =>
        {
            if (_current is { } r && r.Hunt == c.Hunt && r.First + r.Count > c.Limit) _cancel?.Cancel();
        });
        Receive<HuntFinished>(_ => _cancel?.Cancel());
        // A model or engine exception is a programming error: the worker node reports it and leaves (its range is re-issued).
        Receive<Status.Failure>(f => throw new InvalidOperationException($"range {_current} failed: {f.Cause.Message}", f.Cause));
    }

    /// <inheritdoc/>
    protected override void PreStart() => Ask();

    /// <inheritdoc/>
    protected override void PostStop()
    {
        _cancel?.Cancel();
        var det = _det;
        if (det is null) return;
        if (_running is { } t) t.ContinueWith(_ => det.Dispose(), TaskScheduler.Default);
        else det.Dispose();
    }

    private void Ask() => _coordinator.Tell(new RangeRequested(_rate <= 0 ? 2 : Math.Max(1, (long)(_rate * _rangeSeconds))), Self);

    private void Run(RangeIssued range)
    {
        if (_running is not null) return; // one range at a time; the coordinator never sends two
        _current = range;
        _observer.RangeStarted(_lane, range.Hunt, range.First, range.Count);
        _cancel = new CancellationTokenSource();
        var token = _cancel.Token;
        var options = _options with { FirstIndex = range.First, MaxSchedules = range.Count, MaxTime = TimeSpan.MaxValue };
        var bugs = new BugSet(_spec.Targets[range.Hunt]);
        var self = Self;
        _running = Task.Factory.StartNew(() =>
        {
            _det ??= new DeterministicSystem(_engineConfig);
            return Hunter.Hunt(_det, options, bugs, token);
        }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default)
            .ContinueWith(t => self.Tell(t.IsFaulted ? new Status.Failure(t.Exception!.GetBaseException()) : new RangeRan(range, t.Result)), TaskScheduler.Default);
    }

    private void Ran(RangeRan ran)
    {
        _running = null;
        _current = null;
        _cancel?.Dispose();
        _cancel = null;
        var (range, r) = ran;
        var seconds = (r.Found is null ? r.Elapsed : r.FoundAfter).TotalSeconds;
        if (r.SchedulesTried > 0 && seconds > 0) _rate = r.SchedulesTried / seconds;
        FoundSchedule? found = r.Found is { } v
            ? new FoundSchedule(range.First + r.SchedulesTried - 1, ViolationData.Of(v), r.ScheduleLength, r.Minimized!, (r.Elapsed - r.FoundAfter).TotalSeconds)
            : null;
        _coordinator.Tell(new RangeExplored(range.Hunt, range.First, r.SchedulesTried, seconds, r.Abandoned, r.FindingSchedules,
            r.FirstFinding is { } f ? ViolationData.Of(f) : null, (r.Coverage ?? new Model.Vm.PhaseCoverage()).ToCounts(), found), Self);
        _observer.Explored(r.SchedulesTried);
        Ask();
    }
}
