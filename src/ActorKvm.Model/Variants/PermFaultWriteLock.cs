using ActorKvm.Model.Locking;

namespace ActorKvm.Model.Variants;

/// <summary>
/// The worked example: permission faults take <c>mmu_lock</c> for write instead of read. Today every
/// <c>user_mem_abort</c> takes the read side (<c>kvm_fault_lock</c>), and a permission relax races with other faults,
/// relying on the page-table walker's atomic updates; the write side would serialise each relax against every other
/// fault and invalidation. Correctness should not change (the write side satisfies every read-side requirement); the
/// price is lock waits, which <c>actorkvm compare --variant perm-fault-write-lock</c> measures.
/// </summary>
public sealed class PermFaultWriteLock : Variant
{
    /// <inheritdoc/>
    public override string Name => "perm-fault-write-lock";

    /// <inheritdoc/>
    public override string Change => "permission faults take mmu_lock for write instead of read";

    /// <inheritdoc/>
    public override string Where => "user_mem_abort: kvm_fault_lock";

    /// <inheritdoc/>
    public override LockMode? FaultLockMode(bool faultIsPerm) => faultIsPerm ? LockMode.Write : null;
}
