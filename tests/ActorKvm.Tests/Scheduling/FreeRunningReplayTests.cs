using ActorKvm.Engine;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using Akka.Actor;
using Akka.Dispatch;

namespace ActorKvm.Tests.Scheduling;

/// <summary>
/// A free-running run records its delivery order; the deterministic dispatcher replays it to the same run: the same
/// counters, the same host operations (including <c>--invalidate-rate</c>'s clock and the harness's stop), and it
/// detects a recording that does not fit.
/// </summary>
public class FreeRunningReplayTests
{
    private static RecordedSchedule Whole(StressResult r, WorkloadOptions o) =>
        new(o, [], r.Recording!.Entries(), Prefix: false, FirstViolation: null, FirstViolationDelivery: -1, RunOn: true);

    private static void AssertSameRun(StressResult original, StressResult replayed)
    {
        Assert.Equal(original.Stats.Faults, replayed.Stats.Faults);
        Assert.Equal(original.Stats.Accesses, replayed.Stats.Accesses);
        Assert.Equal(original.Stats.HostOps, replayed.Stats.HostOps);
        Assert.Equal(original.Stats.MemslotOps, replayed.Stats.MemslotOps);
        Assert.Equal(original.Stats.DirtyPagesHarvested, replayed.Stats.DirtyPagesHarvested);
        Assert.Equal(original.Stats.ByResult.OrderBy(kv => kv.Key), replayed.Stats.ByResult.OrderBy(kv => kv.Key));
    }

    [Fact]
    public void RecordedFreeRunningRun_ReplaysOnTheDeterministicDispatcherToTheSameRun()
    {
        var o = new WorkloadOptions(Vcpus: 4, Memory: 12UL << 20, InvalidateEvery: 4, Seed: 21, MaxFaults: 3_000);
        var run = StressRun.Run(o, TimeSpan.FromMinutes(2), EngineConfig.Load(), record: true);
        Assert.Empty(run.Violations);
        Assert.True(run.Recording!.Deliveries > 3_000);

        var replay = StressReplay.Replay(Whole(run, o), EngineConfig.Load());

        Assert.Null(replay.Divergence);
        Assert.Equal(run.Recording.Deliveries, replay.Result.Schedule!.Deliveries);
        AssertSameRun(run, replay.Result);
    }

    [Fact]
    public void RateDrivenHostOpsAndTheClockStop_AreRecordedAsDecisionsAndReplayed()
    {
        // Stopped by the clock, host operations on the clock: both inputs come from time, not from the messages.
        var o = new WorkloadOptions(Vcpus: 3, Memory: 12UL << 20, InvalidateEvery: 0, Seed: 5, InvalidateRate: 3_000);
        var run = StressRun.Run(o, TimeSpan.FromMilliseconds(300), EngineConfig.Load(), record: true);
        var entries = run.Recording!.Entries();
        Assert.Contains(DeliveryRecorder.ExternalStop, entries);
        Assert.Contains(DeliveryRecorder.HostOpDue, entries);

        var replay = StressReplay.Replay(Whole(run, o), EngineConfig.Load());

        Assert.Null(replay.Divergence);
        AssertSameRun(run, replay.Result);
    }

    [Fact]
    public void RecordingOfAnotherWorkload_IsReportedAsADivergence()
    {
        var o = new WorkloadOptions(Vcpus: 2, Memory: 8UL << 20, Seed: 4, MaxFaults: 500);
        var run = StressRun.Run(o, TimeSpan.FromMinutes(2), EngineConfig.Load(), record: true);

        var replay = StressReplay.Replay(Whole(run, o) with { Workload = o with { Seed = 5 } }, EngineConfig.Load());

        Assert.NotNull(replay.Divergence);
        Assert.StartsWith("delivery ", replay.Divergence);
    }

    private sealed class Counter : ReceiveActor
    {
        public Counter(List<int> seen) => Receive<int>(seen.Add);
    }

    private sealed class OnePerRun : ISchedulingStrategy
    {
        public int Runs { get; private set; }
        public int Choose(IReadOnlyList<IRunnable> runnable) => Runs++ * 0;
        public void Forced(IRunnable run) => Runs++;
        public bool OneDeliveryPerRun => true;
    }

    [Fact]
    public void OneDeliveryPerRunStrategy_GetsOneMailboxRunPerMessage()
    {
        // Akka 1.5's mailbox delivers up to two messages per run even at throughput 1; a replay needs exactly one.
        using var det = new DeterministicSystem(EngineConfig.Load());
        var seen = new List<int>();
        var actor = det.Spawn(Props.Create(() => new Counter(seen)), "counter");
        for (var i = 0; i < 4; i++) actor.Tell(i, ActorRefs.NoSender);
        var strategy = new OnePerRun();

        det.Drive(strategy);

        Assert.Equal([0, 1, 2, 3], seen);
        Assert.Equal(4, strategy.Runs);
    }
}
