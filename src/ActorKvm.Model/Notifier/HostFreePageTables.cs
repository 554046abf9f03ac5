using ActorKvm.Model.Arch;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Notifier;

/// <summary>
/// The host frees the page tables covering an HVA range with no MMU-notifier invalidation around it: the
/// <c>free_pgtables</c> part of <c>exit_mmap</c>, which runs after <c>mmu_notifier_release</c> and takes no KVM
/// lock (<c>free-page-tables</c>). A model step for the hazard fixed by e86fc1a3a3e9: a fault that already passed
/// its retry check may walk the host page table while it is freed.
/// </summary>
public sealed class HostFreePageTables : Activity, IReturnsErrno
{
    /// <summary>Creates the step.</summary>
    public HostFreePageTables(Kvm kvm, int id, Hva hva, ulong size) : base(kvm, id)
    {
        Hva = hva;
        Size = size;
    }

    /// <summary>Start of the range.</summary>
    public Hva Hva { get; }
    /// <summary>Bytes.</summary>
    public ulong Size { get; }
    /// <summary>Always Ok.</summary>
    public Errno Result { get; private set; }

    /// <inheritdoc/>
    protected override StepResult StepCore()
    {
        Kvm.Mm.FreePageTables(Hva, Hva + Size);
        Kvm.Oracle.TouchHva(Hva, Hva + Size);
        Result = Errno.Ok;
        return StepResult.Finished(null);
    }

    /// <inheritdoc/>
    /// <remarks><c>free_pgtables</c> under <c>mmap_lock</c> (write).</remarks>
    public override KernelLocks Declares(string? phase) => KernelLocks.MmapWrite;
}
