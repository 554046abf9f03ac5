using ActorKvm.Cluster.Coordination;
using ActorKvm.Cluster.Protocol;
using ActorKvm.Cluster.Working;
using Akka.Actor;
using Akka.Cluster.Tools.Singleton;
using Akka.Configuration;

namespace ActorKvm.Cluster.Hosting;

/// <summary>
/// One cluster hunt node: its actor system joined to the cluster, with the coordinator singleton's manager (on the
/// <c>hunt --cluster</c> node) and a <see cref="WorkerNode"/> (on every node that runs lanes).
/// </summary>
public sealed class ClusterNode : IDisposable
{
    private ClusterNode(ActorSystem system) => System = system;

    /// <summary>The node's actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>The node's address in the cluster.</summary>
    public Address Address => Akka.Cluster.Cluster.Get(System).SelfAddress;

    /// <summary>The address as <c>host:port</c>, the way <c>--seed-node</c> takes it.</summary>
    public string HostPort => $"{Address.Host}:{Address.Port}";

    /// <summary>
    /// Starts the coordinating node: the coordinator singleton for <paramref name="spec"/> and, when <paramref name="lanes"/>
    /// is positive, that many lanes of its own. Joins <paramref name="seeds"/> (none: seeds a new cluster itself).
    /// </summary>
    public static ClusterNode StartCoordinator(ClusterHuntSettings s, Config engine, int port, IReadOnlyList<string> seeds, HuntSpec spec, int lanes,
        IHuntObserver hunt, IWorkerObserver worker)
    {
        var roles = lanes > 0 ? new[] { s.CoordinatorRole, s.WorkerRole } : [s.CoordinatorRole];
        var node = new ClusterNode(ActorSystem.Create(ClusterHuntSettings.SystemName, s.ToAkkaConfig(roles, port, engine)));
        var settings = ClusterSingletonManagerSettings.Create(node.System).WithRole(s.CoordinatorRole);
        node.System.ActorOf(ClusterSingletonManager.Props(HuntCoordinator.Props(spec, BuildId.Current, hunt, s.WaitForNodes), PoisonPill.Instance, settings),
            WorkerNode.CoordinatorName);
        if (lanes > 0)
            node.System.ActorOf(WorkerNode.Props(new WorkerJoining(node.Address.ToString(), BuildId.Current, lanes, new Dictionary<string, string>()),
                s.CoordinatorRole, s.RangeSeconds, engine, worker, s.JoinTimeout), "worker");
        node.Join(seeds);
        return node;
    }

    /// <summary>Starts a worker node with <paramref name="lanes"/> lanes, joining <paramref name="seeds"/>; <paramref name="options"/> are the hunt options it was given.</summary>
    public static ClusterNode StartWorker(ClusterHuntSettings s, Config engine, int port, IReadOnlyList<string> seeds, int lanes,
        IReadOnlyDictionary<string, string> options, IWorkerObserver worker)
    {
        var node = new ClusterNode(ActorSystem.Create(ClusterHuntSettings.SystemName, s.ToAkkaConfig([s.WorkerRole], port, engine)));
        node.System.ActorOf(WorkerNode.Props(new WorkerJoining(node.Address.ToString(), BuildId.Current, lanes, options), s.CoordinatorRole,
            s.RangeSeconds, engine, worker, s.JoinTimeout), "worker");
        node.Join(seeds);
        return node;
    }

    private void Join(IReadOnlyList<string> seeds)
    {
        var cluster = Akka.Cluster.Cluster.Get(System);
        if (seeds.Count == 0) cluster.Join(cluster.SelfAddress);
        else cluster.JoinSeedNodes(seeds.Select(Address.Parse));
    }

    /// <summary>Leaves the cluster gracefully (others re-issue nothing: this node's lanes are done) and stops, waiting up to <paramref name="timeout"/>.</summary>
    public void Leave(TimeSpan timeout)
    {
        var shutdown = CoordinatedShutdown.Get(System).Run(CoordinatedShutdown.ClusterLeavingReason.Instance);
        shutdown.Wait(timeout);
        System.WhenTerminated.Wait(timeout);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (!System.WhenTerminated.IsCompleted) Leave(TimeSpan.FromSeconds(10));
    }
}
