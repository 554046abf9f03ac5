using ActorKvm.Cluster.Protocol;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;

namespace ActorKvm.Cluster.Working;

/// <summary>How a worker node's part in a hunt ended.</summary>
public enum WorkerEnd
{
    /// <summary>The coordinator said the hunt is over.</summary>
    Finished,
    /// <summary>The coordinator refused this worker (another build, other options).</summary>
    Refused,
    /// <summary>The coordinator's node left or was lost before the hunt was over.</summary>
    CoordinatorLost,
    /// <summary>This node was removed from the cluster (downed as unreachable).</summary>
    Removed,
    /// <summary>A lane failed (a programming error).</summary>
    Failed,
    /// <summary>No coordinator took this worker in within <c>actorkvm.cluster.join-timeout</c>.</summary>
    NotJoined,
}

/// <summary>What a worker node tells the process it runs in (the <c>worker</c> verb, or the <c>hunt --cluster</c> node's own lanes).</summary>
public interface IWorkerObserver
{
    /// <summary>One line worth showing.</summary>
    void Event(string line);

    /// <summary>A lane of this node starts schedules [<paramref name="first"/>, <paramref name="first"/> + <paramref name="count"/>) of target <paramref name="hunt"/>.</summary>
    void RangeStarted(int lane, int hunt, long first, long count);

    /// <summary>This node explored <paramref name="schedules"/> more schedules.</summary>
    void Explored(long schedules);

    /// <summary>The node's part is over, with one line saying why.</summary>
    void Ended(WorkerEnd end, string line);
}

/// <summary>
/// A node's worker: registers with the coordinator singleton (through a <see cref="ClusterSingletonProxy"/>) giving its
/// build and the options it was started with, then runs one <see cref="HuntLane"/> per lane. It ends when the
/// coordinator says the hunt is over, refuses it, or its node leaves the cluster.
/// </summary>
public sealed class WorkerNode : ReceiveActor, IWithTimers
{
    /// <summary>The coordinator singleton's manager, under <c>/user</c> on the coordinator node.</summary>
    public const string CoordinatorName = "coordinator";

    private sealed class Register
    {
        public static readonly Register Instance = new();
    }

    private sealed class JoinTimedOut
    {
        public static readonly JoinTimedOut Instance = new();
    }

    private readonly WorkerJoining _joining;
    private readonly string _coordinatorRole;
    private readonly double _rangeSeconds;
    private readonly Config _engineConfig;
    private readonly IWorkerObserver _observer;
    private readonly TimeSpan _joinTimeout;
    private IActorRef _proxy = ActorRefs.Nobody;
    private bool _accepted, _ended;

    /// <summary>The props of a worker joining with <paramref name="joining"/>; it gives up when not taken in within <paramref name="joinTimeout"/>.</summary>
    public static Props Props(WorkerJoining joining, string coordinatorRole, double rangeSeconds, Config engineConfig, IWorkerObserver observer, TimeSpan joinTimeout) =>
        Akka.Actor.Props.Create(() => new WorkerNode(joining, coordinatorRole, rangeSeconds, engineConfig, observer, joinTimeout));

    /// <summary>Creates the worker; use <see cref="Props"/>.</summary>
    public WorkerNode(WorkerJoining joining, string coordinatorRole, double rangeSeconds, Config engineConfig, IWorkerObserver observer, TimeSpan joinTimeout)
    {
        _joinTimeout = joinTimeout;
        _joining = joining;
        _coordinatorRole = coordinatorRole;
        _rangeSeconds = rangeSeconds;
        _engineConfig = engineConfig;
        _observer = observer;
        Receive<Register>(_ => { if (!_accepted) _proxy.Tell(_joining); });
        Receive<WorkerAccepted>(Accepted);
        Receive<JoinTimedOut>(_ =>
        {
            if (!_accepted) End(WorkerEnd.NotJoined, $"no hunt took this worker in within {_joinTimeout.TotalSeconds:0.#} s (is hunt --cluster running at the seed node, reachable from here?)");
        });
        Receive<WorkerRefused>(r => End(WorkerEnd.Refused, r.Reason));
        Receive<HuntFinished>(f => End(WorkerEnd.Finished, f.Summary));
        Receive<ClusterEvent.MemberRemoved>(m =>
        {
            var cluster = Akka.Cluster.Cluster.Get(Context.System);
            if (m.Member.Address == cluster.SelfAddress) End(WorkerEnd.Removed, "this node was removed from the cluster (downed as unreachable?)");
            else if (m.Member.HasRole(_coordinatorRole))
                End(WorkerEnd.CoordinatorLost, $"the coordinator's node {m.Member.Address} left the cluster {(_accepted ? "before the hunt was over" : "before taking this worker in (was the hunt over?)")}");
        });
        Receive<ClusterEvent.UnreachableMember>(m =>
        {
            if (m.Member.HasRole(_coordinatorRole)) _observer.Event($"the coordinator's node {m.Member.Address} is unreachable");
        });
        Receive<ClusterEvent.IClusterDomainEvent>(_ => { });
    }

    /// <inheritdoc/>
    public ITimerScheduler Timers { get; set; } = null!;

    /// <inheritdoc/>
    protected override SupervisorStrategy SupervisorStrategy() => new OneForOneStrategy(e =>
    {
        End(WorkerEnd.Failed, $"a lane failed: {e.Message}");
        return Directive.Stop;
    });

    /// <inheritdoc/>
    protected override void PreStart()
    {
        var settings = ClusterSingletonProxySettings.Create(Context.System).WithRole(_coordinatorRole);
        _proxy = Context.ActorOf(ClusterSingletonProxy.Props($"/user/{CoordinatorName}", settings), "coordinator-proxy");
        Akka.Cluster.Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsEvents,
            typeof(ClusterEvent.MemberRemoved), typeof(ClusterEvent.UnreachableMember));
        Self.Tell(Register.Instance);
        // The proxy buffers until it finds the singleton; ask again now and then in case the first went to a coordinator that moved.
        Timers.StartPeriodicTimer("register", Register.Instance, TimeSpan.FromSeconds(5));
        Timers.StartSingleTimer("join-timeout", JoinTimedOut.Instance, _joinTimeout);
    }

    /// <inheritdoc/>
    protected override void PostStop() => Akka.Cluster.Cluster.Get(Context.System).Unsubscribe(Self);

    private void Accepted(WorkerAccepted a)
    {
        if (_accepted) return;
        _accepted = true;
        Timers.Cancel("register");
        Timers.Cancel("join-timeout");
        _observer.Event($"joined the hunt: {a.Spec.Targets.Count} target(s), {_joining.Lanes} lane(s) here");
        for (var i = 0; i < _joining.Lanes; i++)
            Context.ActorOf(HuntLane.Props(a.Spec, _proxy, _rangeSeconds, _engineConfig, i, _observer), $"lane-{i}");
    }

    private void End(WorkerEnd end, string line)
    {
        if (_ended) return;
        _ended = true;
        Timers.Cancel("register");
        foreach (var lane in Context.GetChildren().Where(c => c.Path.Name.StartsWith("lane-", StringComparison.Ordinal))) Context.Stop(lane);
        _observer.Ended(end, line);
    }
}
