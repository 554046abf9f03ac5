using System.Diagnostics;
using ActorKvm.Cluster.Coordination;
using ActorKvm.Cluster.Hosting;
using ActorKvm.Cluster.Protocol;
using ActorKvm.Engine;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Model.Bugs;
using Akka.Actor;
using Akka.Serialization;

namespace ActorKvm.Bench.Cluster;

/// <summary>
/// The cluster hunt coordinator's cost per range, for the scale estimate of <c>hunt --cluster</c>: the wire size of a
/// range's messages, the JSON serializer's time for them, and how many ranges per second the coordinator actor hands
/// out and books when many lanes (local actors answering at once, one schedule per range) pull from it. Remoting (the
/// TCP transport) is not in it; the loopback overhead per range is measured end to end (README).
/// </summary>
public static class QuickCoordinator
{
    private sealed class Done : IHuntObserver
    {
        public readonly TaskCompletionSource<HuntResult> Result = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public void Progress(HuntProgress progress)
        {
        }

        public void Event(string line)
        {
        }

        public void TargetDone(int hunt, HuntResult result, TargetFigures figures) => Result.TrySetResult(result);

        public void Finished(IReadOnlyList<NodeFigures> nodes)
        {
        }
    }

    /// <summary>A lane that runs nothing: it reports each range explored at once and asks for the next.</summary>
    private sealed class InstantLane : ReceiveActor
    {
        public InstantLane(IActorRef coordinator, long[] coverage, bool join)
        {
            Receive<WorkerAccepted>(_ => { });
            Receive<RangeIssued>(r =>
            {
                coordinator.Tell(new RangeExplored(r.Hunt, r.First, r.Count, 0.001, 0, 0, null, coverage, null));
                coordinator.Tell(new RangeRequested(1));
            });
            Receive<HuntFinished>(_ => Context.Stop(Self));
            if (join) coordinator.Tell(new WorkerJoining("bench", BuildId.Current, 1, new Dictionary<string, string>()));
            coordinator.Tell(new RangeRequested(1));
        }
    }

    /// <summary>Prints wire sizes, serializer times and the coordinator's ranges/s with <paramref name="lanes"/> lanes.</summary>
    public static void Run(int lanes = 256, long ranges = 200_000)
    {
        var engine = EngineConfig.Load();
        var options = new HuntOptions(HuntOptions.RaceMix, HuntStrategy.Random, 3, 1, 20, TimeSpan.MaxValue);
        long[] coverage; // a real range's coverage counts (what dominates a report's size)
        using (var det = new DeterministicSystem(engine))
            coverage = (Hunter.Hunt(det, options, new BugSet([]), shrink: false).Coverage ?? new Model.Vm.PhaseCoverage()).ToCounts();
        var settings = ClusterHuntSettings.From(engine);
        var system = ActorSystem.Create(ClusterHuntSettings.SystemName, settings.ToAkkaConfig([settings.CoordinatorRole, settings.WorkerRole], 0, engine));
        try
        {
            Serializer(system, coverage);
            var cluster = Akka.Cluster.Cluster.Get(system);
            cluster.Join(cluster.SelfAddress);
            var up = Stopwatch.StartNew();
            while (cluster.State.Members.All(m => m.Status != Akka.Cluster.MemberStatus.Up) && up.Elapsed < TimeSpan.FromSeconds(30)) Thread.Sleep(10);
            var spec = HuntSpec.From(options with { MaxSchedules = ranges }, [[]], new Dictionary<string, string>());
            var done = new Done();
            var coordinator = system.ActorOf(HuntCoordinator.Props(spec, BuildId.Current, done), "coordinator");
            var sw = Stopwatch.StartNew();
            var cpu = Process.GetCurrentProcess().TotalProcessorTime;
            for (var i = 0; i < lanes; i++) system.ActorOf(Props.Create(() => new InstantLane(coordinator, coverage, i == 0)));
            if (!done.Result.Task.Wait(TimeSpan.FromMinutes(5))) throw new TimeoutException("the coordinator did not finish in 5 minutes");
            sw.Stop();
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
            Console.WriteLine($"coordinator, {lanes} lanes pulling 1-schedule ranges in-process: {ranges} ranges in {sw.Elapsed.TotalSeconds:F2} s = "
                + $"{ranges / sw.Elapsed.TotalSeconds:F0} ranges/s ({sw.Elapsed.TotalMilliseconds * 1000 / ranges:F1} µs wall, {cpuSeconds * 1e6 / ranges:F1} µs CPU per range, "
                + $"lanes included); explored {done.Result.Task.Result.SchedulesTried}");
        }
        finally
        {
            system.Terminate().Wait(TimeSpan.FromSeconds(10));
        }
    }

    private static void Serializer(ActorSystem system, long[] coverage)
    {
        var explored = new RangeExplored(0, 123_456, 40, 1.02, 0, 3, null, coverage, null);
        var issued = new RangeIssued(0, 123_456, 40);
        var requested = new RangeRequested(40);
        var s = (SerializerWithStringManifest)system.Serialization.FindSerializerFor(explored);
        int Size(object m) => s.ToBinary(m).Length;
        Console.WriteLine($"wire (actorkvm-json payload, before Akka's envelope): RangeRequested {Size(requested)} B, RangeIssued {Size(issued)} B, "
            + $"RangeExplored {Size(explored)} B ({coverage.Length} coverage counts, {coverage.Count(c => c != 0)} non-zero)");
        const int n = 50_000;
        var bytes = s.ToBinary(explored);
        for (var i = 0; i < 2_000; i++) s.FromBinary(s.ToBinary(explored), nameof(RangeExplored)); // warm-up
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < n; i++) s.FromBinary(bytes, nameof(RangeExplored));
        var fromExplored = sw.Elapsed.TotalMilliseconds * 1000 / n;
        sw.Restart();
        for (var i = 0; i < n; i++) s.ToBinary(explored);
        var toExplored = sw.Elapsed.TotalMilliseconds * 1000 / n;
        var small = s.ToBinary(requested);
        sw.Restart();
        for (var i = 0; i < n; i++)
        {
            s.FromBinary(small, nameof(RangeRequested));
            s.ToBinary(issued);
        }
        var smallPair = sw.Elapsed.TotalMilliseconds * 1000 / n;
        Console.WriteLine($"serializer: RangeExplored read {fromExplored:F1} µs, written {toExplored:F1} µs; RangeRequested read + RangeIssued written {smallPair:F2} µs");
    }
}
