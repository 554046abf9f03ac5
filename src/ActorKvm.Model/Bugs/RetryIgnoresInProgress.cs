namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 25, <c>retry-ignores-in-progress</c>: no mapping is installed while an invalidation is in progress, even if the sequence has not moved yet.
/// </summary>
/// <remarks>Kernel fix: unknown. Where: mmu_invalidate_retry (MmuNotifierState.Retry, called by KvmS2FaultMap and GmemAbort).</remarks>
public static class RetryIgnoresInProgress
{
    /// <summary>The switch name.</summary>
    public const string Name = "retry-ignores-in-progress";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(25, Name, "unknown", "I1", "no mapping is installed while an invalidation is in progress, even if the sequence has not moved yet",
        Produces: Oracle.ViolationKind.StaleMapping);

    /// <summary>The retry predicate without its first half: only the sequence is compared.</summary>
    public static bool SequenceOnlyRetry(Notifier.MmuNotifierState notifier, ulong mmuSeq) => notifier.MmuInvalidateSeq != mmuSeq;
}
