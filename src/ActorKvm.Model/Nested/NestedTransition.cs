using ActorKvm.Model.Arch;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Nested;

/// <summary>
/// The vCPU enters an L2 guest over the given L1 stage 2 (<c>nested-enter</c>: its <c>hw_mmu</c> becomes a nested MMU
/// with <c>nested_stage2_enabled</c>), or returns to L1 (<c>nested-exit</c>: <c>hw_mmu</c> is the canonical MMU again). One phase.
/// </summary>
public sealed class NestedTransition : Activity, IReturnsErrno
{
    private readonly IReadOnlyList<L1S2Map>? _l1;

    /// <summary>Enter when <paramref name="l1"/> is given, exit when null.</summary>
    public NestedTransition(Kvm kvm, int id, Vcpu vcpu, IReadOnlyList<L1S2Map>? l1) : base(kvm, id)
    {
        Vcpu = vcpu;
        _l1 = l1;
    }

    /// <summary>The vCPU.</summary>
    public Vcpu Vcpu { get; }
    /// <summary>Ok, or Einval for an L1 stage 2 that is not made of stage-2 leaves; Enosys without FEAT_NV.</summary>
    public Errno Result { get; private set; }

    /// <inheritdoc/>
    protected override StepResult StepCore()
    {
        if (IsDone) throw new InvalidOperationException("already done");
        if (!Kvm.Config.Nested) Result = Errno.ENOSYS;
        else if (_l1 is null) Vcpu.Nested = null;
        else
        {
            var (mmu, errno) = NestedS2Mmu.Create(Kvm.Config.IpaBits, _l1);
            Result = errno;
            if (mmu is not null) Vcpu.Nested = mmu;
        }
        return StepResult.Finished(_l1 is null ? "nested-exit" : "nested-enter");
    }

    /// <inheritdoc/>
    /// <remarks>Entering or leaving L2 switches the vCPU's <c>hw_mmu</c> (<c>kvm_vcpu_load_hw_mmu</c>: <c>mmu_lock</c> for write).</remarks>
    public override KernelLocks Declares(string? phase) => KernelLocks.VcpuLocal | KernelLocks.MmuWrite;
}
