namespace ActorKvm.Engine.Workload;

/// <summary>A stress run's counters at one moment, for live progress.</summary>
/// <param name="Elapsed">Wall-clock time so far.</param>
/// <param name="Faults">Faults handled.</param>
/// <param name="Retries">Of those, retries.</param>
/// <param name="InvalidationsInFlight">MMU-notifier invalidations between range-start and range-end (<c>mmu_invalidate_in_progress</c>).</param>
/// <param name="HostOps">Host operations finished.</param>
/// <param name="DirtyPagesHarvested">Pages GET_DIRTY_LOG reported.</param>
/// <param name="Violations">Oracle violations so far.</param>
public readonly record struct RunProgress(TimeSpan Elapsed, long Faults, long Retries, int InvalidationsInFlight, long HostOps, long DirtyPagesHarvested, int Violations);
