using ActorKvm.Engine;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Fault;

namespace ActorKvm.Tests.Engine;

/// <summary>
/// The short CI variant of the free-running smoke: 8 vCPUs over THP, anonymous and hugetlb-2M slots while the
/// host migrates, splits and collapses THPs, zaps, swaps and ages, dirty logging flips and a slot moves — on
/// real threads. The oracle checks every phase; the run must end clean.
/// </summary>
public class FreeRunningSmokeTests
{
    [Fact]
    public void EightVcpusUnderInvalidationsThpChurnAndDirtyLogFlips_EndWithNoViolationAndBalancedReferences()
    {
        var options = new WorkloadOptions(Vcpus: 8, Memory: 48UL << 20, InvalidateEvery: 8, Seed: 7, MaxFaults: 20_000);
        var result = StressRun.Run(options, TimeSpan.FromMinutes(2), EngineConfig.Load());

        Assert.Empty(result.Violations);
        Assert.Equal(0, result.OutstandingFaultRefs);
        Assert.True(result.Stats.Faults >= 20_000, $"only {result.Stats.Faults} faults");
        // The run really raced: faults retried against invalidations, and the host and memslot sides ran.
        Assert.True(result.Stats.ByResult.GetValueOrDefault(FaultResult.Retry) > 0, "no fault ever retried");
        Assert.True(result.Stats.HostOps > 100, $"only {result.Stats.HostOps} host operations");
        Assert.True(result.Stats.MemslotOps > 10, $"only {result.Stats.MemslotOps} memslot operations");
        Assert.True(result.Stats.DirtyPagesHarvested > 0, "dirty logging never harvested a page");
    }
}
