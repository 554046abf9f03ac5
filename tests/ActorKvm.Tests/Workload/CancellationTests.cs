using ActorKvm.Engine;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;

namespace ActorKvm.Tests.Workload;

/// <summary>Ctrl-C (a cancelled token) stops a run cleanly: what was in flight finishes, and the counters so far come back balanced.</summary>
public class CancellationTests
{
    [Fact]
    public void CancelledFreeRunningRun_StopsAndReportsWhatRanWithBalancedReferences()
    {
        using var cts = new CancellationTokenSource();
        var r = StressRun.Run(new WorkloadOptions(Vcpus: 4, Memory: 12UL << 20), TimeSpan.FromHours(1), EngineConfig.Load(), cancel: cts.Token,
            progress: p => { if (p.Faults > 2_000) cts.Cancel(); });

        Assert.True(r.Stats.Faults > 2_000);
        Assert.Empty(r.Violations);
        Assert.Equal(0, r.OutstandingFaultRefs);
    }

    [Fact]
    public void CancelledDeterministicRun_LetsInFlightWorkFinish()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        using var det = new DeterministicSystem(EngineConfig.Load());
        var r = StressRun.RunDeterministic(det, new WorkloadOptions(Vcpus: 2, Memory: 8UL << 20, MaxFaults: 1_000_000), new SeededStrategy(3), cancel: cts.Token);

        Assert.True(r.Stats.Faults < 1_000_000);
        Assert.False(r.Schedule!.Truncated);
        Assert.Empty(r.Violations);
        Assert.Equal(0, r.OutstandingFaultRefs);
    }
}
