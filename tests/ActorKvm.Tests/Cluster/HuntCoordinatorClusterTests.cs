using System.Collections.Concurrent;
using ActorKvm.Cluster.Coordination;
using ActorKvm.Cluster.Hosting;
using ActorKvm.Cluster.Protocol;
using ActorKvm.Engine;
using ActorKvm.Engine.Exploration;
using ActorKvm.Model.Vm;
using Akka.Actor;
using Akka.Cluster;
using Akka.Configuration;

namespace ActorKvm.Tests.Cluster;

/// <summary>
/// The coordinator in a real two-node cluster in this process (messages between the nodes go through the cluster
/// serializer): TestKit probes play the lanes of a worker node on each; one node is downed while it holds a range.
/// </summary>
public class HuntCoordinatorClusterTests : Akka.TestKit.Xunit2.TestKit
{
    private sealed class Observer : IHuntObserver
    {
        public readonly BlockingCollection<(HuntResult Result, TargetFigures Figures)> Done = [];
        public readonly ConcurrentQueue<string> Events = new();

        public void Progress(HuntProgress progress)
        {
        }

        public void Event(string line) => Events.Enqueue(line);

        public void TargetDone(int hunt, HuntResult result, TargetFigures figures) => Done.Add((result, figures));

        public void Finished(IReadOnlyList<NodeFigures> nodes)
        {
        }
    }

    private static readonly ClusterHuntSettings Settings = ClusterHuntSettings.From(EngineConfig.Load());
    private static Config NodeConfig => Settings.ToAkkaConfig([Settings.CoordinatorRole, Settings.WorkerRole], 0, EngineConfig.Load());

    public HuntCoordinatorClusterTests() : base(NodeConfig, ClusterHuntSettings.SystemName)
    {
    }

    private static HuntSpec Spec(long budget) =>
        HuntSpec.From(HuntOptions.RaceMix is var w ? new HuntOptions(w, HuntStrategy.Random, 3, 1, budget, TimeSpan.MaxValue) : null!, [[]],
            new Dictionary<string, string> { ["--strategy"] = "random" });

    private static RangeExplored Explored(long first, long count) =>
        new(0, first, count, 0.5, 0, 0, null, new PhaseCoverage().ToCounts(), null);

    [Fact]
    public void RangesOfADownedNode_AreReissued_AndALateDuplicateCountsOnce()
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        var other = ActorSystem.Create(ClusterHuntSettings.SystemName, NodeConfig);
        try
        {
            DownedNode(cluster, other);
        }
        finally
        {
            // Bounded: ActorSystem.Dispose waits for termination without limit, and a cluster member's can hang.
            Shutdown(other, TimeSpan.FromSeconds(10));
        }
    }

    private void DownedNode(Akka.Cluster.Cluster cluster, ActorSystem other)
    {
        var otherCluster = Akka.Cluster.Cluster.Get(other);
        otherCluster.Join(cluster.SelfAddress);
        AwaitAssert(() => Assert.Equal(2, cluster.State.Members.Count(m => m.Status == MemberStatus.Up)), TimeSpan.FromSeconds(60));

        var observer = new Observer();
        var coordinator = Sys.ActorOf(HuntCoordinator.Props(Spec(20), BuildId.Current, observer, waitForNodes: 2), "coordinator");
        var remoteLane = CreateTestProbe(other);
        var remoteCoordinator = other.ActorSelection(coordinator.Path.ToStringWithAddress(cluster.SelfAddress));
        var localLane = CreateTestProbe();

        remoteCoordinator.Tell(new WorkerJoining(otherCluster.SelfAddress.ToString(), BuildId.Current, 1, new Dictionary<string, string>()), remoteLane.Ref);
        remoteLane.ExpectMsg<WorkerAccepted>(TimeSpan.FromSeconds(30));
        remoteCoordinator.Tell(new RangeRequested(10), remoteLane.Ref);
        remoteLane.ExpectNoMsg(TimeSpan.FromMilliseconds(200)); // one worker node of the two it waits for
        coordinator.Tell(new WorkerJoining(cluster.SelfAddress.ToString(), BuildId.Current, 1, new Dictionary<string, string>()), localLane.Ref);
        localLane.ExpectMsg<WorkerAccepted>();
        Assert.Equal(new RangeIssued(0, 0, 10), remoteLane.ExpectMsg<RangeIssued>(TimeSpan.FromSeconds(30)));
        coordinator.Tell(new RangeRequested(5), localLane.Ref);
        Assert.Equal(new RangeIssued(0, 10, 5), localLane.ExpectMsg<RangeIssued>());
        coordinator.Tell(Explored(10, 5), localLane.Ref);

        cluster.Down(otherCluster.SelfAddress); // it leaves holding [0, 10)
        AwaitAssert(() => Assert.Contains(observer.Events, e => e.Contains("downed; re-issuing [0, 10)", StringComparison.Ordinal)), TimeSpan.FromSeconds(60));
        coordinator.Tell(new RangeRequested(10), localLane.Ref);
        Assert.Equal(new RangeIssued(0, 0, 10), localLane.ExpectMsg<RangeIssued>());
        coordinator.Tell(Explored(0, 10), localLane.Ref);
        coordinator.Tell(Explored(0, 4), localLane.Ref); // a late copy of part of it: explored before, counted nothing
        coordinator.Tell(new RangeRequested(10), localLane.Ref);
        Assert.Equal(new RangeIssued(0, 15, 5), localLane.ExpectMsg<RangeIssued>());
        coordinator.Tell(Explored(15, 5), localLane.Ref);

        Assert.True(observer.Done.TryTake(out var done, TimeSpan.FromSeconds(30)));
        Assert.Equal(20, done.Result.SchedulesTried);
        Assert.Equal([new SeedRange(0, 20)], done.Figures.ExploredRanges);
        Assert.Equal(1, done.Figures.Reissued);
        Assert.Equal(4, done.Figures.Duplicates);
        localLane.ExpectMsg<HuntFinished>();
    }

    [Fact]
    public void WorkerOfAnotherBuild_IsRefusedInOneLine()
    {
        var cluster = Akka.Cluster.Cluster.Get(Sys);
        cluster.Join(cluster.SelfAddress);
        var coordinator = Sys.ActorOf(HuntCoordinator.Props(Spec(10), BuildId.Current, new Observer()), "coordinator");
        coordinator.Tell(new WorkerJoining("w", "0123456789ab", 1, new Dictionary<string, string>()), TestActor);
        var refused = ExpectMsg<WorkerRefused>();
        Assert.Contains($"a different build (0123456789ab on the worker, {BuildId.Current} in the hunt)", refused.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', refused.Reason);
        coordinator.Tell(new WorkerJoining("w", BuildId.Current, 1, new Dictionary<string, string> { ["--strategy"] = "pct" }), TestActor);
        Assert.Contains("different options (--strategy pct on the worker, random in the hunt)", ExpectMsg<WorkerRefused>().Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ClusterMessages_UseTheJsonSerializer_AndRoundTrip()
    {
        var found = new FoundSchedule(7, new ViolationData("StaleMapping", "leaf maps a freed page", null, null), 4764, [0, 2, 1], 1.5);
        var message = new RangeExplored(2, 5, 3, 0.25, 1, 0, null, new PhaseCoverage().ToCounts(), found);
        var serializer = Sys.Serialization.FindSerializerFor(message);
        Assert.IsType<ClusterJsonSerializer>(serializer);
        var bytes = serializer.ToBinary(message);
        var back = (RangeExplored)((Akka.Serialization.SerializerWithStringManifest)serializer).FromBinary(bytes, nameof(RangeExplored));
        Assert.Equal(message.Found!.Minimized, back.Found!.Minimized);
        Assert.Equal(message with { Coverage = back.Coverage, Found = back.Found }, back);
        Assert.Equal(message.Coverage, back.Coverage);
        Assert.Equal(Model.Oracle.ViolationKind.StaleMapping, back.Found.Violation.ToViolation().Kind);
        var spec = Spec(10);
        var specBack = (HuntSpec)((Akka.Serialization.SerializerWithStringManifest)serializer).FromBinary(serializer.ToBinary(spec), nameof(HuntSpec));
        Assert.Equal(serializer.ToBinary(spec), serializer.ToBinary(specBack));
        var (o, oBack) = (spec.ToHuntOptions(), specBack.ToHuntOptions());
        Assert.Equal(o.Workload.Variants.On, oBack.Workload.Variants.On);
        Assert.Equal(o with { Workload = o.Workload with { Variants = Model.Variants.VariantSet.None } },
            oBack with { Workload = oBack.Workload with { Variants = Model.Variants.VariantSet.None } });
    }
}
