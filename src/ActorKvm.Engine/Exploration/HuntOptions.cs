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
    /// The slot layouts a hunt rotates through when no backing was chosen (schedule i uses layout i mod 3): the
    /// default mix; hugetlb first, so dirty logging flips on a hugetlb slot; device memory with and without page
    /// structures next to THP.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<BackingKind>> Layouts { get; } =
    [
        WorkloadOptions.DefaultBackings,
        [BackingKind.Hugetlb2M, BackingKind.Thp, BackingKind.Anon],
        [BackingKind.Thp, BackingKind.DeviceMixedmap, BackingKind.Device],
    ];

    /// <summary>The workload of schedule <paramref name="index"/> with seed <paramref name="seed"/>.</summary>
    public WorkloadOptions ScheduleWorkload(long index, ulong seed) =>
        Workload with { Seed = seed, Backings = Workload.Backings ?? Layouts[(int)(index % Layouts.Count)] };

    /// <summary>
    /// The generic race workload: three vCPUs over small THP, anonymous and hugetlb-2M slots, a host MM operation
    /// after every second access, dirty logging flipping and a slot moving — many races in a few hundred faults.
    /// </summary>
    public static WorkloadOptions RaceMix { get; } = new(Vcpus: 3, Memory: 6UL << 20, InvalidateEvery: 2, DirtyLog: true, MemslotChurn: true, MaxFaults: 200);
}
