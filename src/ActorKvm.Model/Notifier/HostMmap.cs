using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Vm;

namespace ActorKvm.Model.Notifier;

/// <summary>
/// The VMM maps a new VMA into a free HVA range (<c>mmap</c> with <c>MAP_FIXED_NOREPLACE</c>). Nothing was mapped
/// there, so no MMU-notifier invalidation runs; a fault that looked the old (absent) VMA up is covered only by the
/// invalidation that removed it.
/// </summary>
public sealed class HostMmap : Activity, IReturnsErrno
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
    /// <summary>Ok; EINVAL for a zero size or an address not aligned to the backing's page size; EEXIST when the range is in use.</summary>
    public Errno Result { get; private set; }

    /// <summary>
    /// The length mapped: <see cref="Size"/> rounded up to the backing's page size, as <c>ksys_mmap_pgoff</c> does for
    /// hugetlbfs files and <c>MAP_HUGETLB</c> (<c>len = ALIGN(len, huge_page_size(...))</c>) and <c>do_mmap</c> for the rest
    /// (<c>PAGE_ALIGN(len)</c>). Found by <c>actorkvm diff</c>: the model refused such a length with EINVAL.
    /// </summary>
    public ulong MappedSize => AlignUp(Size, Backing.IsHugetlb() ? Backing.HugetlbPageSize() : Sizes.PageSize);

    private static ulong AlignUp(ulong v, ulong align) => (v + align - 1) & ~(align - 1);

    /// <inheritdoc/>
    protected override StepResult StepCore()
    {
        var align = Backing.IsHugetlb() ? Backing.HugetlbPageSize() : Sizes.PageSize;
        // hugetlb_get_unmapped_area refuses an address not aligned to the huge page (MAP_FIXED_NOREPLACE implies MAP_FIXED).
        if (Size == 0 || !Hva.IsAligned(align)) Result = Errno.EINVAL;
        else if (Kvm.Mm.Overlaps(Hva, MappedSize)) Result = Errno.EEXIST;
        else Kvm.Mm.Mmap(Hva, MappedSize, Backing, Prot, Shared);
        return StepResult.Finished(null);
    }

    /// <inheritdoc/>
    /// <remarks><c>mmap</c> under <c>mmap_lock</c> (write).</remarks>
    public override KernelLocks Declares(string? phase) => KernelLocks.MmapWrite;
}
