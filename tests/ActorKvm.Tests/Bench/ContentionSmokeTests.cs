using ActorKvm.Engine;
using ActorKvm.Engine.Baselines;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;

namespace ActorKvm.Tests.Bench;

/// <summary>
/// The CI variant of the contention benchmarks (bench/Contention): each of the three engines — the actor
/// engine, the lock-based baseline and the Channels pipeline — runs the same small seeded workload under
/// moderate invalidation with dirty-log flips and slot moves, and must end clean. No timing assertions:
/// speed is what the benchmarks measure.
/// </summary>
public class ContentionSmokeTests
{
    private const long Faults = 3_000;
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    private static WorkloadOptions Options(int vcpus) =>
        new(Vcpus: vcpus, Memory: 48UL << 20, InvalidateEvery: 8, Seed: 3, MaxFaults: Faults);

    [Theory]
    [InlineData(2)]
    [InlineData(8)]
    public void ActorEngine_UnderModerateInvalidation_EndsCleanWithItsFaultsDone(int vcpus) =>
        AssertClean(StressRun.Run(Options(vcpus), Limit, EngineConfig.Load()));

    [Theory]
    [InlineData(2)]
    [InlineData(8)]
    public void LockBased_UnderModerateInvalidation_EndsCleanWithItsFaultsDone(int vcpus) =>
        AssertClean(LockBasedEngine.Run(Options(vcpus), Limit));

    [Theory]
    [InlineData(2)]
    [InlineData(8)]
    public void ChannelsPipeline_UnderModerateInvalidation_EndsCleanWithItsFaultsDone(int vcpus) =>
        AssertClean(ChannelsEngine.Run(Options(vcpus), Limit));

    [Theory]
    [InlineData("LockBased")]
    [InlineData("ChannelsPipeline")]
    public void Baselines_RunEveryActivityKindOnItsOwner_AndEndClean(string engine)
    {
        // MTE on shared memory (mte_sync_tags, PG_mte_lock waits under mmu_lock), L2 entries, pre-fault ioctls and
        // mmap(MAP_FIXED): the work the baselines used to send to the memslot thread goes to Owner's worker.
        var options = Options(4) with
        {
            Backings = [BackingKind.Shmem, BackingKind.Thp],
            Mte = true,
            Nested = true,
            ReachOps = true,
            MapFixedReplace = true,
            InvalidateEvery = 2,
        };
        AssertClean(engine == "LockBased" ? LockBasedEngine.Run(options, Limit) : ChannelsEngine.Run(options, Limit));
    }

    [Fact]
    public void Baselines_TimeFaultingAccesses_LikeTheActorEngine()
    {
        foreach (var run in new Func<FaultLatencyRecorder, StressResult>[]
        {
            l =>
            {
                using var system = Akka.Actor.ActorSystem.Create("latency", EngineConfig.Load());
                return StressRun.Run(system, Options(2), Limit, latency: l);
            },
            l => LockBasedEngine.Run(Options(2), Limit, latency: l),
            l => ChannelsEngine.Run(Options(2), Limit, latency: l),
        })
        {
            var latency = FaultLatencyRecorder.WallClock(2);
            var result = run(latency);
            AssertClean(result);
            Assert.Same(latency, result.Latency);
            Assert.InRange(latency.Count, 1, result.Stats.Faults);
            Assert.True(latency.Percentile(50) > 0);
            Assert.True(latency.Percentile(50) <= latency.Percentile(99));
            Assert.True(latency.Percentile(99) <= latency.Max);
        }
    }

    [Theory]
    [InlineData("ActorEngine")]
    [InlineData("LockBased")]
    [InlineData("ChannelsPipeline")]
    public void QueuedHostOps_EveryEngineRunsExactlyItsShareOfHostOperations(string engine)
    {
        // Equal work (the contention benchmarks' definition): one host operation per 4 faults, none skipped.
        var options = Options(8) with { InvalidateEvery = 4, DirtyLog = false, MemslotChurn = false, QueueHostOps = true };
        var result = engine switch
        {
            "ActorEngine" => StressRun.Run(options, Limit, EngineConfig.Load()),
            "LockBased" => LockBasedEngine.Run(options, Limit),
            _ => ChannelsEngine.Run(options, Limit),
        };
        Assert.Empty(result.Violations);
        Assert.Equal(0, result.OutstandingFaultRefs);
        Assert.True(result.Stats.Faults >= Faults, $"only {result.Stats.Faults} faults");
        Assert.Equal(Faults / 4, result.Stats.HostOps);
    }

    [Fact]
    public void QueuedHostOps_OnTheDeterministicDispatcher_RunExactlyTheirShare_AndRepeat()
    {
        var options = new WorkloadOptions(Vcpus: 3, Memory: 12UL << 20, InvalidateEvery: 2, DirtyLog: false, MemslotChurn: false, Seed: 5, MaxFaults: 400, QueueHostOps: true);
        using var det = new DeterministicSystem(EngineConfig.Load());
        var first = StressRun.RunDeterministic(det, options, new SeededStrategy(7));
        var again = StressRun.RunDeterministic(det, options, new SeededStrategy(7));
        Assert.Empty(first.Violations);
        Assert.Equal(200, first.Stats.HostOps);
        Assert.Equal(first.Schedule!.Choices, again.Schedule!.Choices);
    }

    private static void AssertClean(StressResult result)
    {
        Assert.Empty(result.Violations);
        Assert.Equal(0, result.OutstandingFaultRefs);
        Assert.True(result.Stats.Faults >= Faults, $"only {result.Stats.Faults} faults");
        // Host operations and memslot changes really ran against the faults.
        Assert.True(result.Stats.HostOps > 0, "no host operation ran");
        Assert.True(result.Stats.MemslotOps > 0, "no memslot change ran");
        Assert.True(result.Stats.ByResult.GetValueOrDefault(FaultResult.Map) > 0, "nothing was mapped");
    }
}
