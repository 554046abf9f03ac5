namespace ActorKvm.Model.Oracle;

/// <summary>
/// Rule <c>invalidation-not-ended</c>: every MMU-notifier invalidation that started has ended once nothing is in flight.
/// </summary>
public sealed partial class KvmOracle
{
    /// <summary>
    /// Rule <c>invalidation-not-ended</c> at rest (<c>kvm_mmu_notifier_invalidate_range_start</c> / <c>_end</c> come in
    /// pairs): with nothing in flight, <c>mn_active_invalidate_count</c> and <c>mmu_invalidate_in_progress</c> are 0 and no
    /// host range is between start and end. A count left raised blocks <c>kvm_swap_active_memslots</c> (it waits for
    /// <c>mn_active_invalidate_count == 0</c>) and an in-progress count left raised makes every fault retry, for ever.
    /// </summary>
    public void CheckInvalidationsEnded()
    {
        var n = _kvm.Notifier;
        if (n.MnActiveInvalidateCount != 0 || n.MmuInvalidateInProgress != 0 || _kvm.ActiveInvalidations.Count != 0)
            Report(ViolationKind.InvalidationNotEnded,
                $"with nothing in flight, mn_active_invalidate_count is {n.MnActiveInvalidateCount}, mmu_invalidate_in_progress {n.MmuInvalidateInProgress}, {_kvm.ActiveInvalidations.Count} host range(s) between start and end");
    }
}
