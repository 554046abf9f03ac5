using ActorKvm.Model.Arch;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Notifier;

/// <summary>
/// <c>kvm_age_gfn</c> from the <c>clear_flush_young</c> notifier: clears the access flag of every leaf in
/// the range under the write lock; no begin/end, no sequence change.
/// </summary>
public sealed class AgeOperation : Activity
{
    /// <summary>Creates the aging pass over [gpa, gpa+size).</summary>
    public AgeOperation(Kvm kvm, int id, Ipa gpa, ulong size) : base(kvm, id)
    {
        Gpa = gpa;
        Size = size;
    }

    /// <summary>Start IPA.</summary>
    public Ipa Gpa { get; }
    /// <summary>Size.</summary>
    public ulong Size { get; }
    /// <summary>True if any leaf was young.</summary>
    public bool Young { get; private set; }

    /// <inheritdoc/>
    protected override StepResult StepCore()
    {
        if (Kvm.TakeMmuLock(Id, LockMode.Write, "kvm_age_gfn") is { } wait) return wait;
        Young = Kvm.S2AgeRange(Id, Gpa, Size);
        Kvm.MmuLock.Release(Id);
        return StepResult.Finished(null);
    }

    /// <inheritdoc/>
    /// <remarks><c>kvm_age_gfn</c> under <c>mmu_lock</c>.</remarks>
    public override KernelLocks Declares(string? phase) => KernelLocks.MmuWrite;
}
