using ActorKvm.Engine;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Fault;

namespace ActorKvm.Tests.Engine;

/// <summary>
/// The short CI variant of the free-running smoke: 8 vCPUs over THP, anonymous and hugetlb-2M slots while the
/// host migrates, splits and collapses THPs, zaps, swaps and ages, dirty logging flips and a slot moves — free-running,
/// on the wall clock. The oracle checks every phase; the run must end clean.
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

    /// <summary>
    /// Free-running, a worker yields after a phase unless it runs on (<c>Workers.RunOnOdds</c>), so the window a race
    /// switch opens between two phases of one activity is met within a small fault budget. A worker that ran an
    /// activity's phases back to back in one turn (run-on odds of 1) meets none of them.
    /// </summary>
    [Theory]
    [InlineData(VmaUsedAfterMmapUnlock.Name)]
    [InlineData(MmuSeqSnapshotAfterFaultin.Name)]
    [InlineData(RetryIgnoresInProgress.Name)]
    public void RaceSwitch_IsMetBetweenTwoPhasesOfOneActivity(string bug)
    {
        var options = new WorkloadOptions(Vcpus: 4, Memory: 64UL << 20, InvalidateEvery: 16, Seed: 1, MaxFaults: 60_000);
        options = WorkloadNeed.For(bug)?.ApplyTo(options) ?? options;
        var result = StressRun.Run(options, TimeSpan.FromMinutes(2), EngineConfig.Load(), new BugSet([bug]));

        Assert.True(result.Stats.Faults >= 60_000, $"only {result.Stats.Faults} faults");
        Assert.NotEmpty(result.Violations);
    }
}
