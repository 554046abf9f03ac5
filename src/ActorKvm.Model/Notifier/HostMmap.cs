using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Notifier;

/// <summary>
/// The VMM maps a new VMA into a free HVA range (<c>mmap</c> with <c>MAP_FIXED_NOREPLACE</c>). Nothing was mapped
/// there, so no MMU-notifier invalidation runs; a fault that looked the old (absent) VMA up is covered only by the
/// invalidation that removed it.
/// </summary>
public sealed class HostMmap : Activity
{
    /// <summary>Creates the mmap.</summary>
    public HostMmap(Kvm kvm, int id, Hva hva, ulong size, BackingKind backing, HostProt prot, bool shared) : base(kvm, id)
    {
        Hva = hva;
        Size = size;
        Backing = backing;
        Prot = prot;
        Shared = shared;
    }

    /// <summary>Start of the new VMA.</summary>
    public Hva Hva { get; }
    /// <summary>Bytes.</summary>
    public ulong Size { get; }
    /// <summary>What backs it.</summary>
    public BackingKind Backing { get; }
    /// <summary>Protection.</summary>
    public HostProt Prot { get; }
    /// <summary><c>MAP_SHARED</c>.</summary>
    public bool Shared { get; }
    /// <summary>Ok; EINVAL for a size or address not aligned to the backing's page size; EEXIST when the range is in use.</summary>
    public Errno Result { get; private set; }

    /// <inheritdoc/>
    protected override StepResult StepCore()
    {
        var align = Backing.IsHugetlb() ? Backing.HugetlbPageSize() : Sizes.PageSize;
        if (Size == 0 || !Hva.IsAligned(align) || Size % align != 0) Result = Errno.EINVAL;
        else if (Kvm.Mm.Overlaps(Hva, Size)) Result = Errno.EEXIST;
        else Kvm.Mm.Mmap(Hva, Size, Backing, Prot, Shared);
        IsDone = true;
        return StepResult.Finished(null);
    }
}
