using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Host;

public sealed partial class HostMm
{
    /// <summary>
    /// <c>kvm_gmem_get_pfn</c>: the folio of the guest_memfd file behind <paramref name="hva"/>, allocated if absent
    /// (<c>kvm_gmem_get_folio</c>), with a reference for the caller. It reads the file, never the host page table and never
    /// under <c>mmap_lock</c>: the VMA lookup only stands for the slot's file binding (<c>kvm_gmem_bind</c>; arm64 accepts
    /// only host-mappable guest_memfd, whose mapping the scenario declares). No binding → Fault; a poisoned page → HwPoison.
    /// </summary>
    public HostFaultIn GmemGetPfn(Hva hva)
    {
        var vma = FindVma(hva);
        if (vma is null || vma.Backing != BackingKind.GuestMemfd) return HostFaultIn.Failed(HostFaultStatus.Fault);
        if (IsPoisoned(hva)) return HostFaultIn.Failed(HostFaultStatus.HwPoison);
        var key = PageIndex(vma, hva.AlignDown(Sizes.PageSize));
        if (!_pageCache.TryGetValue(key, out var f))
        {
            f = Phys.Allocate(0, BackingKind.GuestMemfd);
            f.CacheRefs = 1;
            _pageCache[key] = f;
        }
        if (f.AnyPoisoned) return HostFaultIn.Failed(HostFaultStatus.HwPoison);
        f.GupRefs++;
        GupRefsHeld++;
        return new HostFaultIn(HostFaultStatus.Ok, f.Head, f, true, default, default);
    }

    /// <summary>The pfn of the guest_memfd page behind <paramref name="hva"/>, if the file has one (for the oracle).</summary>
    public Pfn? GmemPfn(Hva hva)
    {
        var vma = FindVma(hva);
        if (vma is null || vma.Backing != BackingKind.GuestMemfd) return null;
        return _pageCache.TryGetValue(PageIndex(vma, hva.AlignDown(Sizes.PageSize)), out var f) ? f.Head : null;
    }
}
