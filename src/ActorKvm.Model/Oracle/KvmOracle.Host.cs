using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using ActorKvm.Model.Notifier;

namespace ActorKvm.Model.Oracle;

/// <summary>
/// Rule <c>host-result-mismatch</c>: what the VMM's own memory operations return follows from its VMAs alone, so a slip in
/// the model's host-side steps (a copy-on-write break skipped, a store faulted in as a load) shows as a wrong result.
/// </summary>
public sealed partial class KvmOracle
{
    private (int Id, bool Overlapped) _mmapBefore = (-1, false);

    /// <summary>An <c>mmap</c> is about to run: remember whether its range was in use.</summary>
    private void MmapStepping(HostMmap m) => _mmapBefore = (m.Id, _kvm.Mm.Overlaps(m.Hva, MmapLength(m)));

    /// <summary>
    /// A VMM load or store of its own memory returns Ok when a live VMA maps the address with the permission it needs
    /// (read; write for a store) and the page is not poisoned, EHWPOISON when it is, EFAULT (SIGSEGV) otherwise — a store
    /// to a copy-on-write page included: <c>do_wp_page</c> breaks it. Device apertures are left out.
    /// </summary>
    internal void CheckHostAccess(HostAccess h)
    {
        var vma = _kvm.Mm.FindVma(h.Hva);
        if (vma is not null && vma.Backing.IsDeviceAperture()) return;
        var need = h.IsWrite ? HostProt.Read | HostProt.Write : HostProt.Read;
        var want = vma is null || (vma.Prot & need) != need ? Errno.EFAULT : _kvm.Mm.IsPoisoned(h.Hva) ? Errno.EHWPOISON : Errno.Ok;
        if (h.Result != want)
            Report(ViolationKind.HostResultMismatch, $"VMM {(h.IsWrite ? "store to" : "load from")} {h.Hva} returned {h.Result.ToScenarioName()}, the VMAs give {want.ToScenarioName()}", h.Hva.Value, 18);
    }

    /// <summary>
    /// <c>mmap(MAP_FIXED_NOREPLACE)</c> returns EINVAL for a zero length or an address not aligned to the backing's page,
    /// EEXIST when the range was in use, else maps exactly [address, address + length rounded up to the backing's page).
    /// </summary>
    internal void CheckHostMmap(HostMmap m)
    {
        var page = m.Backing.IsHugetlb() ? m.Backing.HugetlbPageSize() : Sizes.PageSize;
        var len = MmapLength(m);
        var want = m.Size == 0 || m.Hva.Value % page != 0 ? Errno.EINVAL
            : _mmapBefore.Id == m.Id && _mmapBefore.Overlapped ? Errno.EEXIST : Errno.Ok;
        var mapped = _kvm.Mm.FindVma(m.Hva);
        if (m.Result != want)
            Report(ViolationKind.HostResultMismatch, $"mmap of {m.Hva}+0x{m.Size:x} returned {m.Result.ToScenarioName()}, expected {want.ToScenarioName()}", m.Hva.Value, 19);
        else if (want == Errno.Ok && (mapped is null || mapped.Start != m.Hva || mapped.End.Value != m.Hva.Value + len))
            Report(ViolationKind.HostResultMismatch, $"mmap of {m.Hva}+0x{m.Size:x} mapped {(mapped is null ? "nothing" : mapped.ToString())}, not {Sizes.Format(len)} there", m.Hva.Value, 19);
    }

    /// <summary>The length <c>mmap</c> maps: rounded up to the backing's page (<c>ksys_mmap_pgoff</c>, <c>do_mmap</c>).</summary>
    private static ulong MmapLength(HostMmap m)
    {
        var page = m.Backing.IsHugetlb() ? m.Backing.HugetlbPageSize() : Sizes.PageSize;
        return m.Size == 0 ? 0 : (m.Size - 1) / page * page + page;
    }
}
