using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Host;

public sealed partial class HostMm
{
    /// <summary>
    /// The page a fault at <paramref name="hva"/> would map, found without faulting: the one its PTE maps, else — for
    /// shared shmem or file memory — the page-cache page (<c>filemap_get_entry</c>), which outlives a zapped PTE. Null
    /// when there is none yet.
    /// </summary>
    public (Folio Folio, Pfn Pfn)? PageAt(Hva hva)
    {
        if (PageTable.TryGet(hva, out var pte)) return pte.Folio is { } mapped ? (mapped, pte.PfnAt(hva)) : null;
        if (FindVma(hva) is not { Shared: true, Backing: BackingKind.Shmem or BackingKind.File } vma) return null;
        return _pageCache.TryGetValue(PageIndex(vma, hva.AlignDown(Sizes.PageSize)), out var cached) ? (cached, cached.Head) : null;
    }

    /// <summary>
    /// <c>handle_mm_fault</c> on a page with no host PTE: installs and returns the new leaf.
    /// </summary>
    private HostPte Populate(Vma vma, Hva hva, bool write)
    {
        var writableVma = (vma.Prot & HostProt.Write) != 0;
        var page = hva.AlignDown(Sizes.PageSize);
        if (_swap.Remove(page.Value, out var swapped))
        {
            // do_swap_page: an anonymous page (also a private CoW copy in a file mapping) comes back with its
            // swapped content, writable when exclusive.
            var f = Phys.Allocate(0, BackingKind.Anon);
            if (swapped != 0) f.Write(0, swapped);
            // arch_swap_restore: mte_restore_tags, and the page is tagged again.
            if (_swapMte.Remove(page.Value, out var tags)) f.RestoreMte(0, tags);
            return InstallFolio(page, Sizes.PageShift, f, writableVma);
        }
        switch (vma.Backing)
        {
            case BackingKind.Device:
            case BackingKind.DeviceCacheable:
                // remap_pfn_range: special PTEs with no struct page.
                return Install(new HostPte(page, Sizes.PageShift, new Pfn(vma.PageIndexOf(page)), null, writableVma));

            case BackingKind.DeviceMixedmap:
                {
                    // vmf_insert_pfn_pmd / vmf_insert_page: the device's struct pages are mapped (and referenced).
                    var start = hva.AlignDown(Sizes.PmdSize);
                    if (start >= vma.Start && start + Sizes.PmdSize <= vma.End && (vma.PageIndexOf(start) & (Sizes.PtrsPerPmd - 1)) == 0)
                        return InstallFolio(start, Sizes.PmdShift, Phys.DeviceFolio(new Pfn(vma.PageIndexOf(start)), 9), writableVma);
                    return InstallFolio(page, Sizes.PageShift, Phys.DeviceFolio(new Pfn(vma.PageIndexOf(page)), 0), writableVma);
                }

            case BackingKind.Anon:
            case BackingKind.Thp:
                if (vma.Backing == BackingKind.Thp && ThpFits(vma, hva))
                {
                    var start = hva.AlignDown(Sizes.PmdSize);
                    if (!write) return Install(new HostPte(start, Sizes.PmdShift, Phys.HugeZeroPage.Head, Phys.HugeZeroPage, false));
                    return InstallFolio(start, Sizes.PmdShift, Phys.Allocate(9, BackingKind.Thp), true);
                }
                if (!write) return Install(new HostPte(page, Sizes.PageShift, Phys.ZeroPage.Head, Phys.ZeroPage, false));
                return InstallFolio(page, Sizes.PageShift, Phys.Allocate(0, vma.Backing), true);

            case BackingKind.Hugetlb64K:
            case BackingKind.Hugetlb2M:
            case BackingKind.Hugetlb32M:
            case BackingKind.Hugetlb1G:
                return PopulateHugetlb(vma, hva, write);

            case BackingKind.Shmem:
            case BackingKind.GuestMemfd:
            case BackingKind.File:
                {
                    var key = PageIndex(vma, page);
                    if (!_pageCache.TryGetValue(key, out var f))
                    {
                        f = Phys.Allocate(0, vma.Backing);
                        f.CacheRefs = 1;
                        if (_fileStore.TryGetValue(key, out var disk) && disk != 0) f.Write(0, disk);
                        _pageCache[key] = f;
                    }
                    if (write && !vma.Shared)
                    {
                        // do_cow_fault: a write to a private file mapping copies the page-cache page.
                        var copy = Phys.Allocate(0, BackingKind.Anon);
                        var content = f.Read(0);
                        if (content != 0) copy.Write(0, content);
                        return InstallFolio(page, Sizes.PageShift, copy, writableVma);
                    }
                    // shmem has no write-notify: a shared writable mapping maps writable on a read.
                    // A regular file maps read-only until the first write (page_mkwrite); private mappings read-only.
                    var writable = writableVma && vma.Shared && (vma.Backing != BackingKind.File || write);
                    if (!write && vma.Backing != BackingKind.GuestMemfd) FaultAround(vma, page, writableVma && vma.Shared && vma.Backing != BackingKind.File);
                    if (writable && vma.Backing == BackingKind.File) f.Dirty = true;
                    return InstallFolio(page, Sizes.PageShift, f, writable);
                }
        }
        throw new InvalidOperationException($"unhandled backing {vma.Backing}");
    }

    /// <summary>
    /// <c>do_read_fault</c> → <c>do_fault_around</c> (mm/memory.c:5264, 6.12): a read fault on a file or shmem mapping also
    /// maps the other pages of its <c>fault_around_bytes</c> (64K) window, clamped to the VMA and the PTE table, that are
    /// already in the page cache and not mapped (<c>filemap_map_pages</c>), with the VMA's <c>vm_page_prot</c>: read-only
    /// unless the mapping is shared without write-notify. Found by actorkvm diff: a later guest write to such a page of a
    /// private mapping breaks copy-on-write under an invalidation, so its fault retries.
    /// </summary>
    private void FaultAround(Vma vma, Hva page, bool writable)
    {
        const ulong window = 16 * Sizes.PageSize;
        var from = page.AlignDown(window);
        if (from < vma.Start) from = vma.Start;
        var to = from + window;
        var tableEnd = page.AlignDown(Sizes.PmdSize) + Sizes.PmdSize;
        if (to > tableEnd) to = tableEnd;
        if (to > vma.End) to = vma.End;
        for (var a = from; a < to; a += Sizes.PageSize)
        {
            if (a == page || PageTable.TryGet(a, out _) || _swap.ContainsKey(a.Value) || IsPoisoned(a)) continue;
            if (_pageCache.TryGetValue(PageIndex(vma, a), out var f) && !f.AnyPoisoned) InstallFolio(a, Sizes.PageShift, f, writable);
        }
    }

    private HostPte PopulateHugetlb(Vma vma, Hva hva, bool write)
    {
        var hsize = vma.HugePageSize;
        var start = hva.AlignDown(hsize);
        var order = System.Numerics.BitOperations.Log2(hsize / Sizes.PageSize);
        // hugetlb_no_page: a shared mapping's page lives in the hugetlbfs file (hugetlb_add_to_page_cache), so a zap
        // (MADV_DONTNEED) keeps its content for the next fault; a private mapping's page is anonymous. Found by actorkvm diff.
        var key = PageIndex(vma, start);
        if (!vma.Shared || !_pageCache.TryGetValue(key, out var folio))
        {
            folio = Phys.Allocate(order, vma.Backing);
            if (vma.Shared)
            {
                folio.CacheRefs = 1;
                _pageCache[key] = folio;
            }
        }
        // hugetlb_no_page: a private read maps read-only; a write or a shared mapping maps writable.
        var writable = (vma.Prot & HostProt.Write) != 0 && (write || vma.Shared);
        // CONT_PTE (64K) and CONT_PMD (32M) pages are runs of PTEs / PMDs in the host table.
        var shift = hsize >= Sizes.PudSize ? Sizes.PudShift : hsize >= Sizes.PmdSize ? Sizes.PmdShift : Sizes.PageShift;
        var leaf = 1UL << shift;
        HostPte first = default;
        for (ulong off = 0; off < hsize; off += leaf)
        {
            var pte = new HostPte(start + off, shift, folio.Head + (off >> Sizes.PageShift), folio, writable);
            PageTable.Set(pte);
            folio.MapRefs++;
            if (hva >= pte.Start && hva < pte.Start + leaf) first = pte;
        }
        return first;
    }

    /// <summary>A THP fits when the 2M-aligned range lies inside the VMA and nothing is mapped or swapped in it yet.</summary>
    private bool ThpFits(Vma vma, Hva hva)
    {
        var start = hva.AlignDown(Sizes.PmdSize);
        if (start < vma.Start || start + Sizes.PmdSize > vma.End) return false;
        if (PageTable.AnyLeafIn(start, start + Sizes.PmdSize)) return false;
        foreach (var k in _swap.Keys) if (k >= start.Value && k < start.Value + Sizes.PmdSize) return false;
        return true;
    }

    private HostPte InstallFolio(Hva start, int shift, Folio folio, bool writable)
    {
        folio.MapRefs++;
        return Install(new HostPte(start, shift, folio.Head, folio, writable));
    }

    private HostPte Install(in HostPte pte)
    {
        PageTable.Set(pte);
        return pte;
    }
}
