namespace ActorKvm.Timing.Paper;

/// <summary>One published row: vCPUs, the time before and after the change (seconds), for one measured quantity.</summary>
public readonly record struct PublishedPoint(int Vcpus, double Before, double After)
{
    /// <summary>before / after.</summary>
    public double Ratio => Before / After;
}

/// <summary>
/// The published tables modelled time is checked against (issue 16), as their authors reported them. Only the 1-vCPU
/// rows calibrate the model (<see cref="Reproductions.Calibrate"/>); the others are what it must reproduce as ratios.
/// </summary>
public static class PublishedTables
{
    /// <summary>
    /// "KVM: arm64: Parallel stage-2 fault handling" (v5, 2022-11, merged for 6.2): <c>dirty_log_perf_test -s
    /// anonymous_thp -m 2 -b 4G -v N</c>, populate time, faults under the write side of mmu_lock (before) and the read
    /// side (after), seconds.
    /// </summary>
    public static IReadOnlyList<PublishedPoint> ParallelFaultsPopulate { get; } =
        [new(1, 0.21, 0.17), new(4, 0.39, 0.31), new(8, 0.68, 0.39), new(16, 1.26, 0.53), new(32, 2.51, 1.04), new(48, 3.94, 1.55)];

    /// <summary>The same runs' dirty-memory time (the pass after dirty logging was enabled), seconds.</summary>
    public static IReadOnlyList<PublishedPoint> ParallelFaultsDirty { get; } =
        [new(1, 0.87, 0.93), new(4, 2.39, 1.27), new(8, 5.01, 1.39), new(16, 8.89, 2.07), new(32, 19.90, 4.45), new(48, 32.10, 6.23)];

    /// <summary>Bytes per vCPU of the parallel-faults runs (<c>-b 4G</c>).</summary>
    public const ulong ParallelFaultsBytes = 4UL << 30;

    /// <summary>
    /// "KVM: arm64: Eager huge-page splitting for dirty logging" (2023-01): 2M hugetlb, 1 GiB per vCPU, sparse 2M-stride
    /// writes, per-pass time without (before) and with (after) eager split, milliseconds.
    /// </summary>
    public static IReadOnlyList<PublishedPoint> EagerSplitPass { get; } =
        [new(1, 2.63, 1.66), new(16, 9.51, 1.82), new(64, 40.09, 5.80), new(152, 109.81, 15.14)];

    /// <summary>Bytes per vCPU of the eager-split runs (1 GiB).</summary>
    public const ulong EagerSplitBytes = 1UL << 30;
}
