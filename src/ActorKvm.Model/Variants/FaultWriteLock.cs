using ActorKvm.Model.Locking;

namespace ActorKvm.Model.Variants;

/// <summary>
/// The kernel before 6.2 ("KVM: arm64: Parallel stage-2 fault handling", merged for 6.2): <c>user_mem_abort</c> took
/// <c>write_lock(&amp;kvm-&gt;mmu_lock)</c> for every fault, so faults on different vCPUs serialised against each other, not
/// only against invalidations. Correct by construction (the write side satisfies every read-side rule); what it costs is
/// what <c>actorkvm compare --variant fault-write-lock --modelled-time</c> and <c>dirty-log-perf</c> measure.
/// </summary>
public sealed class FaultWriteLock : Variant
{
    /// <inheritdoc/>
    public override string Name => "fault-write-lock";

    /// <inheritdoc/>
    public override string Change => "every stage-2 fault takes mmu_lock for write (the pre-6.2 kernel)";

    /// <inheritdoc/>
    public override string Where => "user_mem_abort: kvm_fault_lock";

    /// <inheritdoc/>
    public override LockMode? FaultLockMode(bool faultIsPerm) => LockMode.Write;
}
