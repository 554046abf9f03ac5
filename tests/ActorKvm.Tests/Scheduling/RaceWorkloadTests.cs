using ActorKvm.Engine;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;

namespace ActorKvm.Tests.Scheduling;

/// <summary>
/// The 2-vCPU race on the deterministic dispatcher: the VM's actors are reused from run to run, yet a seed gives
/// the same schedule as on a fresh system, and different seeds reach different interleavings — all clean.
/// </summary>
public class RaceWorkloadTests
{
    [Fact]
    public void ReusedActors_GiveTheSameScheduleAsAFreshSystem()
    {
        using var fresh = new DeterministicSystem(EngineConfig.Load());
        var expected = RaceWorkload.Run(fresh, new SeededStrategy(31));

        using var reused = new DeterministicSystem(EngineConfig.Load());
        for (ulong s = 0; s < 20; s++) RaceWorkload.Run(reused, new SeededStrategy(s));
        var again = RaceWorkload.Run(reused, new SeededStrategy(31));

        Assert.Equal(expected.Choices, again.Choices);
        Assert.Equal(expected.Faults, again.Faults);
        Assert.Equal(expected.Deliveries, again.Deliveries);
    }

    [Fact]
    public void Seeds_ReachDifferentInterleavings_AllClean()
    {
        using var det = new DeterministicSystem(EngineConfig.Load());
        var outcomes = Enumerable.Range(0, 300).Select(s => RaceWorkload.Run(det, new SeededStrategy((ulong)s))).ToList();

        Assert.All(outcomes, o => Assert.Empty(o.Violations));
        Assert.All(outcomes, o => Assert.Equal(0, o.OutstandingFaultRefs));
        Assert.True(outcomes.Select(o => string.Join(',', o.Faults)).Distinct().Count() >= 4, "the seeds did not reach different fault-result sequences");
        Assert.Contains(outcomes, o => o.Faults.Contains(ActorKvm.Model.Fault.FaultResult.Retry));
    }
}
