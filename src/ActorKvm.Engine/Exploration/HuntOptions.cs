using ActorKvm.Engine.Workload;
using ActorKvm.Model.Host;

namespace ActorKvm.Engine.Exploration;

/// <summary>Which schedule-exploration strategy a hunt uses.</summary>
public enum HuntStrategy
{
    /// <summary>Uniformly random choice among runnable actors at every step.</summary>
    Random,
    /// <summary>Probabilistic concurrency testing with a bug depth.</summary>
    Pct,
}

/// <summary>What to hunt with.</summary>
/// <param name="Workload">The generic race workload (its <c>Seed</c> is replaced by each schedule's seed).</param>
/// <param name="Strategy">Random or PCT.</param>
/// <param name="Depth">PCT bug depth.</param>
/// <param name="Seed">First schedule's seed; schedule i uses <c>Seed + i</c> for both the workload and the scheduler.</param>
/// <param name="MaxSchedules">Schedule budget (or <see cref="long.MaxValue"/>).</param>
/// <param name="MaxTime">Wall-clock budget (or <see cref="TimeSpan.MaxValue"/>).</param>
public sealed record HuntOptions(WorkloadOptions Workload, HuntStrategy Strategy, int Depth, ulong Seed, long MaxSchedules, TimeSpan MaxTime)
{
    /// <summary>
    /// The index of the first schedule to run (0 for a whole hunt): a cluster hunt's worker runs the range
    /// [<c>FirstIndex</c>, <c>FirstIndex + MaxSchedules</c>), so schedule i keeps its seed and layout on any machine.
    /// </summary>
    public long FirstIndex { get; init; }

    /// <summary>
    /// The VM layouts a hunt rotates through when no backing was chosen (schedule i uses layout i mod 4), each with
    /// the odd-shaped slots next to its main ones: the default mix; hugetlb first; device memory with and without
    /// page structures next to THP; an MTE VM (whose device slots are refused; its odd slot is shared memory the VMM
    /// also maps with PROT_MTE, <see cref="OddSlot.MteSharedMemory"/>).
    /// </summary>
    public static IReadOnlyList<(IReadOnlyList<BackingKind> Backings, bool Mte)> Layouts { get; } =
    [
        (WorkloadOptions.DefaultBackings, false),
        ([BackingKind.Hugetlb2M, BackingKind.Thp, BackingKind.Anon], false),
        ([BackingKind.Thp, BackingKind.DeviceMixedmap, BackingKind.Device], false),
        ([BackingKind.Hugetlb2M, BackingKind.Anon, BackingKind.Thp], true),
    ];

    /// <summary>The workload of schedule <paramref name="index"/> with seed <paramref name="seed"/>.</summary>
    public WorkloadOptions ScheduleWorkload(long index, ulong seed)
    {
        if (Workload.Backings is not null) return Workload with { Seed = seed };
        var (backings, mte) = Layouts[(int)(index % Layouts.Count)];
        return Workload with { Seed = seed, Backings = backings, Mte = Workload.Mte || mte };
    }

    /// <summary>
    /// The generic race workload: three vCPUs over small THP, anonymous and hugetlb-2M slots and the odd-shaped
    /// slots, a host MM operation after every second access, dirty logging flipping and a slot moving — many races
    /// in a few hundred faults — plus <see cref="WorkloadOptions.ReachOps"/>, so a mistake in a branch the default mix
    /// never takes (unaligned pre-faults, eager split, a large slot deleted, partial-block unmaps) is hunted too.
    /// The odd slots are named explicitly so a replay with <c>--backing</c> lays them out too.
    /// </summary>
    public static WorkloadOptions RaceMix { get; } = new(Vcpus: 3, Memory: 6UL << 20, InvalidateEvery: 2, DirtyLog: true, MemslotChurn: true, MaxFaults: 200,
        OddSlots: OddSlot.Defaults, ReachOps: true);
}
