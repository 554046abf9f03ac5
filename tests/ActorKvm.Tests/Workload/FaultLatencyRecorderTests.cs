using ActorKvm.Engine;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;

namespace ActorKvm.Tests.Workload;

/// <summary>
/// The one fault-latency definition (a faulting access from issue to finish, retries included), as the
/// deterministic dispatcher reports it in message deliveries: it covers the whole access — every phase turn of its
/// faults plus the hand-offs to and from the vCPU — and repeats exactly with the seed.
/// </summary>
public class FaultLatencyRecorderTests
{
    private static readonly WorkloadOptions Small = new(Vcpus: 2, Memory: 12UL << 20, InvalidateEvery: 4, Seed: 9, MaxFaults: 500);

    [Fact]
    public void DeterministicRun_TimesEveryFaultingAccessInDeliveries_FromIssueToFinish_AndRepeats()
    {
        using var det = new DeterministicSystem(EngineConfig.Load());
        var first = StressRun.RunDeterministic(det, Small, new SeededStrategy(4)).Latency!;
        var again = StressRun.RunDeterministic(det, Small, new SeededStrategy(4)).Latency!;

        Assert.Equal("deliveries", first.Unit);
        Assert.InRange(first.Count, 1, 500);
        // The shortest faulting access (an access-flag fault: classify, memslot-lookup, mmu-lock, map, complete)
        // is five phase turns, plus the run request's hop from the VM actor to the vCPU and the finish report:
        // a classify-to-complete timer could not reach this floor.
        Assert.True(first.Percentile(0) >= 8, $"shortest faulting access took {first.Percentile(0)} deliveries");
        Assert.Equal((first.Count, first.Percentile(50), first.Percentile(99), first.Max), (again.Count, again.Percentile(50), again.Percentile(99), again.Max));
    }
}
