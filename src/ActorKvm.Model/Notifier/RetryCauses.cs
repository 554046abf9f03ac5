namespace ActorKvm.Model.Notifier;

/// <summary>
/// Why faults' <c>mmu_invalidate_retry</c> checks failed: an invalidation still in progress
/// (<c>mmu_invalidate_in_progress</c> non-zero), or the sequence moved past the fault's snapshot (an invalidation
/// ran and ended in between). Retries for other reasons (the THP adjustment finding no host mapping) are the rest.
/// </summary>
public sealed class RetryCauses
{
    /// <summary>Checks that failed with an invalidation in progress.</summary>
    public long InProgress { get; private set; }

    /// <summary>Checks that failed because <c>mmu_invalidate_seq</c> had moved, none in progress.</summary>
    public long SequenceMoved { get; private set; }

    /// <summary>Counts one failed check against <paramref name="notifier"/>'s state and the fault's <paramref name="mmuSeq"/>.</summary>
    public void Count(MmuNotifierState notifier, ulong mmuSeq)
    {
        if (notifier.MmuInvalidateInProgress != 0) InProgress++;
        else if (notifier.MmuInvalidateSeq != mmuSeq) SequenceMoved++;
    }
}
