using ActorKvm.Engine;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Oracle;

namespace ActorKvm.Tests.Workload;

/// <summary>
/// <see cref="WorkloadOptions.MapFixedReplace"/>: the VMM replaces a slot's memory with one <c>mmap(MAP_FIXED)</c> instead
/// of <c>munmap</c> then <c>mmap</c>.
/// </summary>
public class MapFixedReplaceTests
{
    // Small slots and a host operation every other access: replacements happen within a few hundred faults.
    private static readonly WorkloadOptions Busy = new(Vcpus: 2, Memory: 6UL << 20, InvalidateEvery: 2, MaxFaults: 1500);

    private static StressResult Run(WorkloadOptions o, ulong seed, BugSet? bugs = null) =>
        StressRun.RunDeterministic(o with { Seed = seed }, new SeededStrategy(seed), EngineConfig.Load(), bugs);

    private static long Mmaps(StressResult r) => r.Stats.Coverage!.Pairs().Where(p => p.Concurrent == "mmap").Sum(p => p.Count);

    [Fact]
    public void MapFixedReplace_ReplacesMemoryWithoutASeparateMmap_AndRunsClean()
    {
        var standard = Run(Busy, 4);
        var mapFixed = Run(Busy with { MapFixedReplace = true }, 4);

        Assert.True(Mmaps(standard) > 0, "the standard mix replaced no memory: the test proves nothing");
        Assert.Equal(0, Mmaps(mapFixed));
        Assert.True(mapFixed.Stats.HostOps > 100);
        Assert.Empty(mapFixed.Violations);
        Assert.Equal(0, mapFixed.OutstandingFaultRefs);
    }

    [Fact]
    public void MapFixedReplace_WithTheStaleVmaShiftSwitch_ReportsTheStaleMapping()
    {
        var bug = new BugSet([MmuSeqSnapshotAfterVmaUnlock.Name]);
        var found = Enumerable.Range(1, 10).Select(s => Run(Busy with { MapFixedReplace = true }, (ulong)s, bug))
            .FirstOrDefault(r => r.Violations.Any(v => v.Kind == ViolationKind.StaleMapping));
        Assert.NotNull(found);
    }
}
