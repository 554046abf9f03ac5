using System.Diagnostics;
using ActorKvm.Cluster.Protocol;
using ActorKvm.Engine.Exploration;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using Akka.Actor;
using Akka.Cluster;

namespace ActorKvm.Cluster.Coordination;

/// <summary>
/// The cluster hunt's coordinator, run as the cluster singleton on the <c>hunt --cluster</c> node: takes workers of the
/// same build and options, hands seed ranges to their lanes on request (work pulling), keeps a <see cref="RangeBook"/>
/// per target, re-issues the ranges of a node that becomes unreachable or leaves, and finishes a target when the
/// budget is explored — or, once a lane found a violation, when every schedule below it is, so the result is the
/// lowest failing schedule, the one the single-machine hunt stops at.
/// </summary>
public sealed class HuntCoordinator : ReceiveActor, IWithTimers
{
    private sealed class Tick
    {
        public static readonly Tick Instance = new();
    }

    private sealed class NodeState(string node, int lanes, IActorRef worker)
    {
        public string Node { get; } = node;
        public int Lanes { get; } = lanes;
        public IActorRef Worker { get; } = worker;
        public long Schedules { get; set; }
        public long Ranges { get; set; }
        public double LaneSeconds { get; set; }
        public string? Lost { get; set; }
        public Queue<(double At, long Schedules)> Recent { get; } = new();

        public NodeFigures Figures(double now)
        {
            while (Recent.Count > 0 && Recent.Peek().At < now - 5) Recent.Dequeue();
            var span = Math.Max(1.0, Math.Min(5.0, now));
            return new NodeFigures(Node, Lanes, Schedules, Ranges, LaneSeconds, Recent.Sum(x => x.Schedules) / span, Lost);
        }
    }

    private readonly HuntSpec _spec;
    private readonly HuntOptions _options;
    private readonly string _build;
    private readonly IHuntObserver _observer;
    private readonly int _waitForNodes;
    private readonly Address _self;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Dictionary<string, NodeState> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IActorRef> _lanes = new(StringComparer.Ordinal);
    private readonly List<(IActorRef Lane, long Wanted)> _parked = [];
    private readonly List<string> _foundTargets = [];
    private int _hunt = -1;
    private RangeBook _book = new(0);
    private double _targetStart;
    private FoundSchedule? _found;
    private double _foundAt;
    private long _abandoned, _findingSchedules;
    private Violation? _firstFinding;
    private PhaseCoverage _coverage = new();
    private bool _finished, _started;

    /// <summary>
    /// The props of a coordinator hunting <paramref name="spec"/> for workers of build <paramref name="build"/>; it hands out
    /// nothing until <paramref name="waitForNodes"/> worker nodes (its own included) have joined.
    /// </summary>
    public static Props Props(HuntSpec spec, string build, IHuntObserver observer, int waitForNodes = 1) =>
        Akka.Actor.Props.Create(() => new HuntCoordinator(spec, build, observer, waitForNodes));

    /// <summary>Creates the coordinator; <see cref="Props(HuntSpec, string, IHuntObserver, int)"/> is the way in.</summary>
    public HuntCoordinator(HuntSpec spec, string build, IHuntObserver observer, int waitForNodes)
    {
        _waitForNodes = waitForNodes;
        _spec = spec;
        _options = spec.ToHuntOptions();
        _build = build;
        _observer = observer;
        _self = Akka.Cluster.Cluster.Get(Context.System).SelfAddress;
        Receive<WorkerJoining>(Joining);
        Receive<RangeRequested>(r => Request(Sender, r.Wanted));
        Receive<RangeExplored>(Explored);
        Receive<ClusterEvent.UnreachableMember>(m => NodeLost(m.Member.Address, "unreachable"));
        Receive<ClusterEvent.MemberRemoved>(m => NodeLost(m.Member.Address, "left the cluster"));
        // A downed node never comes back: its ranges go out again now, not when the cluster has removed it.
        Receive<ClusterEvent.MemberDowned>(m => NodeLost(m.Member.Address, "downed"));
        // Back from a false alarm (a loaded machine): its re-issued ranges stay re-issued, its late results count once.
        Receive<ClusterEvent.ReachableMember>(m => NodeBack(m.Member.Address));
        Receive<ClusterEvent.IMemberEvent>(_ => { });
        Receive<Tick>(_ => OnTick());
        StartTarget(0);
    }

    /// <inheritdoc/>
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc/>
    protected override void PreStart()
    {
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.UnreachableMember), typeof(ClusterEvent.ReachableMember));
        Timers.StartPeriodicTimer("tick", Tick.Instance, TimeSpan.FromSeconds(1));
    }

    /// <inheritdoc/>
    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private double Now => _clock.Elapsed.TotalSeconds;

    private string NodeOf(IActorRef r) => (r.Path.Address.HasLocalScope ? _self : r.Path.Address).ToString();

    private string LaneKey(IActorRef r) => r.Path.ToStringWithAddress(r.Path.Address.HasLocalScope ? _self : r.Path.Address);

    private void Joining(WorkerJoining j)
    {
        var node = NodeOf(Sender);
        string? why = j.Build != _build ? $"a different build ({j.Build} on the worker, {_build} in the hunt)"
            : _spec.Disagreement(j.Options) is { } d ? $"different options ({d})"
            : null;
        if (why is not null)
        {
            _observer.Event($"refused {node}: {why}");
            Sender.Tell(new WorkerRefused($"the hunt at {_self} refused this worker: {why}"));
            return;
        }
        if (!_nodes.ContainsKey(node)) _observer.Event($"{node} joined with {j.Lanes} lane(s)");
        _nodes[node] = new NodeState(node, j.Lanes, Sender);
        Sender.Tell(new WorkerAccepted(_spec));
        if (_finished) Sender.Tell(new HuntFinished("the hunt is over"));
        ServeParked();
    }

    private void Request(IActorRef lane, long wanted)
    {
        if (_finished)
        {
            lane.Tell(new HuntFinished("the hunt is over"));
            return;
        }
        _lanes[LaneKey(lane)] = lane;
        CheckClock();
        if (Waiting) _parked.Add((lane, wanted));
        else if (_book.Issue(LaneKey(lane), wanted) is { } r) lane.Tell(new RangeIssued(_hunt, r.First, r.Count));
        else if (!_parked.Any(p => p.Lane.Equals(lane))) _parked.Add((lane, wanted));
        AdvanceIfSettled();
    }

    private void Explored(RangeExplored e)
    {
        if (e.Hunt != _hunt || _finished) return; // a late result of a finished target: its schedules were explored by others
        var node = _nodes.GetValueOrDefault(NodeOf(Sender));
        var counted = _book.Complete(LaneKey(Sender), e.First, e.Explored);
        if (node is not null)
        {
            node.Schedules += counted;
            node.Ranges++;
            node.LaneSeconds += e.Seconds;
            node.Recent.Enqueue((Now, counted));
        }
        if (counted == e.Explored) // a range counted before adds nothing twice
        {
            _abandoned += e.Abandoned;
            _findingSchedules += e.FindingSchedules;
            _firstFinding ??= e.FirstFinding?.ToViolation();
            _coverage.Add(PhaseCoverage.FromCounts(e.Coverage));
        }
        if (e.Found is { } f && (_found is null || f.Index < _found.Index))
        {
            if (_found is null) _observer.Event($"{TargetName(_hunt)}: {f.Violation.Kind} at schedule {f.Index} (seed {_options.Seed + (ulong)f.Index}) on {node?.Node ?? NodeOf(Sender)}; exploring what is below it");
            _found = f;
            _foundAt = Now - f.ShrinkSeconds;
            _book.LimitTo(f.Index + 1);
            foreach (var lane in _book.LanesPastLimit().ToList())
                if (_lanes.TryGetValue(lane, out var r)) r.Tell(new RangeCancelled(_hunt, _book.Limit));
        }
        ServeParked();
        AdvanceIfSettled();
    }

    private void NodeLost(Address address, string why)
    {
        var node = address.ToString();
        if (address == _self) return;
        var lost = _book.Lose(lane => lane.StartsWith(node + "/", StringComparison.Ordinal));
        if (why != "unreachable") _parked.RemoveAll(p => NodeOf(p.Lane) == node); // an unreachable node's requests wait for it
        if (_nodes.TryGetValue(node, out var state) && state.Lost is null)
        {
            state.Lost = why;
            _observer.Event($"{node} {why}{(lost.Count > 0 ? $"; re-issuing {string.Join(", ", lost)}" : "")}");
        }
        ServeParked();
    }

    private void NodeBack(Address address)
    {
        if (!_nodes.TryGetValue(address.ToString(), out var state) || state.Lost != "unreachable") return;
        state.Lost = null;
        _observer.Event($"{address} reachable again");
        ServeParked();
    }

    private void OnTick()
    {
        if (_finished) return;
        CheckClock();
        ServeParked();
        AdvanceIfSettled();
        if (!_finished)
            _observer.Progress(new HuntProgress(_hunt, TargetName(_hunt), _book.Explored.Count, _book.Outstanding.Sum(x => x.Value.Count),
                NodeFiguresNow(), _foundTargets.ToList()));
    }

    private void CheckClock()
    {
        if (Now - _targetStart >= _spec.MaxSeconds) _book.LimitTo(_book.Next); // the clock is spent: finish what is out
    }

    /// <summary>Too few worker nodes yet (<c>actorkvm.cluster.wait-for-nodes</c>).</summary>
    private bool Waiting
    {
        get
        {
            if (!_started && _nodes.Values.Count(n => n.Lost is null) >= _waitForNodes)
            {
                _started = true;
                _targetStart = Now; // the first target's clock starts when its nodes are in
            }
            return !_started;
        }
    }

    private void ServeParked()
    {
        if (Waiting) return;
        foreach (var (lane, wanted) in _parked.ToList())
        {
            if (_nodes.GetValueOrDefault(NodeOf(lane))?.Lost is not null) continue;
            if (_book.Issue(LaneKey(lane), wanted) is not { } r) break;
            _parked.RemoveAll(p => p.Lane.Equals(lane));
            lane.Tell(new RangeIssued(_hunt, r.First, r.Count));
        }
    }

    private void AdvanceIfSettled()
    {
        while (!_finished && _book.Settled)
        {
            var result = Result();
            if (result.Found is not null) _foundTargets.Add(TargetName(_hunt));
            _observer.TargetDone(_hunt, result, new TargetFigures(_book.Explored.Ranges.ToList(), _book.Issued, _book.Reissued, _book.Duplicates, _found?.Index));
            if (_hunt + 1 < _spec.Targets.Count)
            {
                StartTarget(_hunt + 1);
                ServeParked();
                continue;
            }
            _finished = true;
            var line = $"the hunt is over: {_foundTargets.Count} of {_spec.Targets.Count} found";
            foreach (var n in _nodes.Values) n.Worker.Tell(new HuntFinished(line)); // a lost node may still be listening
            foreach (var (lane, _) in _parked) lane.Tell(new HuntFinished(line));
            _parked.Clear();
            _observer.Finished(NodeFiguresNow());
        }
    }

    private void StartTarget(int hunt)
    {
        _hunt = hunt;
        _book = new RangeBook(_spec.MaxSchedules);
        _targetStart = Now;
        _found = null;
        _abandoned = _findingSchedules = 0;
        _firstFinding = null;
        _coverage = new PhaseCoverage();
    }

    private HuntResult Result()
    {
        var elapsed = TimeSpan.FromSeconds(Now - _targetStart);
        if (_found is not { } f)
            return new HuntResult(null, 0, _book.Explored.Count, elapsed, 0, null, null, _abandoned, elapsed, _coverage)
            { FindingSchedules = _findingSchedules, FirstFinding = _firstFinding };
        var seed = _options.Seed + (ulong)f.Index;
        return new HuntResult(f.Violation.ToViolation(), seed, _book.Explored.Count, elapsed, f.ScheduleLength, f.Minimized,
            _options.ScheduleWorkload(f.Index, seed), _abandoned, TimeSpan.FromSeconds(Math.Max(0, _foundAt - _targetStart)), _coverage)
        { FindingSchedules = _findingSchedules, FirstFinding = _firstFinding };
    }

    private IReadOnlyList<NodeFigures> NodeFiguresNow() => _nodes.Values.Select(n => n.Figures(Now)).ToList();

    private string TargetName(int hunt) => _spec.Targets[hunt].Count == 0 ? "(no bug)" : string.Join('+', _spec.Targets[hunt]);
}
