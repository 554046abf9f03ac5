using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Host;

public sealed partial class HostMm
{
    /// <summary>
    /// The HVA range a host operation will invalidate (<c>mmu_notifier_range</c>), or null when it changes
    /// no present PTE (then no invalidation runs at all).
    /// </summary>
    public (Hva Start, Hva End)? InvalidationRange(HostOp op, Hva hva, ulong size, HostProt prot)
    {
        switch (op)
        {
            case HostOp.Mprotect:
                return MprotectRange(hva, hva + size, prot);
            case HostOp.Munmap:
            case HostOp.MmapFixed:
            case HostOp.MadviseDontneed:
            case HostOp.SwapOut:
                return CoverLeaves(hva, hva + size);
            case HostOp.Migrate:
            case HostOp.ThpSplitFolio:
                return FolioRange(hva);
            case HostOp.ThpSplit:
                return PageTable.TryGet(hva, out var pmd) && pmd.Shift == Sizes.PmdShift && !pmd.Folio!.Kind.IsHugetlb()
                    ? (pmd.Start, pmd.Start + pmd.Size) : null;
            case HostOp.ThpCollapse:
                {
                    // An already PMD-mapped range is left alone: no invalidation (SCAN_PMD_MAPPED).
                    if (CollapseScan(hva).PmdMapped) return null;
                    var start = hva.AlignDown(Sizes.PmdSize);
                    return (start, start + Sizes.PmdSize);
                }
            case HostOp.Poison:
                // try_to_unmap_one: a hugetlb folio is unmapped whole, so the notifier range is the folio's (a CONT_PTE
                // or CONT_PMD page spans several leaves); any other page, its leaf.
                if (!PageTable.TryGet(hva, out var leaf)) return (hva.AlignDown(Sizes.PageSize), hva.AlignDown(Sizes.PageSize) + Sizes.PageSize);
                return leaf.Folio is { IsZeroPage: false } hf && hf.Kind.IsHugetlb() ? FolioRange(hva) : (leaf.Start, leaf.Start + leaf.Size);
        }
        throw new ArgumentOutOfRangeException(nameof(op));
    }

    /// <summary>
    /// Checks made before any invalidation (khugepaged's scan, <c>can_split_folio</c>): a refusal here means
    /// the operation ends with that errno and never invalidates.
    /// </summary>
    public Errno Precheck(HostOp op, Hva hva)
    {
        switch (op)
        {
            case HostOp.Migrate:
                return MigrateCheck(hva);
            case HostOp.ThpSplitFolio:
                {
                    if (!PageTable.TryGet(hva, out var p) || p.Folio is not { Order: > 0, IsZeroPage: false } f || f.Kind.IsHugetlb()) return Errno.EINVAL;
                    return f.HasExtraRefs ? Errno.EBUSY : Errno.Ok;
                }
            case HostOp.ThpCollapse:
                return CollapseCheck(hva);
            default:
                return Errno.Ok;
        }
    }

    /// <summary>Applies the host page-table / folio change of <paramref name="op"/> (between range-start and range-end).</summary>
    public Errno Apply(HostOp op, Hva hva, ulong size, HostProt prot)
    {
        Locks?.Took(Locking.KernelLocks.MmapWrite);
        switch (op)
        {
            case HostOp.Munmap: Munmap(hva, hva + size); return Errno.Ok;
            case HostOp.Mprotect: Mprotect(hva, hva + size, prot); return Errno.Ok;
            case HostOp.MadviseDontneed:
                {
                    // MADV_DONTNEED on hugetlb drops whole huge pages (madvise_dontneed_free_valid_vma's alignment).
                    var (s, e) = CoverHugetlb(hva, hva + size);
                    Zap(s, e, discardAnon: true);
                    return Errno.Ok;
                }
            case HostOp.SwapOut: SwapOut(hva, hva + size); return Errno.Ok;
            case HostOp.Migrate: return Migrate(hva);
            case HostOp.ThpSplit: return SplitPmd(hva);
            case HostOp.ThpSplitFolio: return SplitFolio(hva);
            case HostOp.ThpCollapse: return Collapse(hva);
            case HostOp.Poison: Poison(hva); return Errno.Ok;
        }
        throw new ArgumentOutOfRangeException(nameof(op));
    }

    /// <summary>
    /// The host change of <see cref="HostOp.MmapFixed"/>: whatever is mapped in the range goes (<c>do_vmi_munmap</c>) and a
    /// private VMA of <paramref name="backing"/> takes its place. The range must suit the backing's page size.
    /// </summary>
    public Errno MmapFixed(Hva hva, ulong size, BackingKind backing, HostProt prot)
    {
        Locks?.Took(Locking.KernelLocks.MmapWrite);
        var align = backing.IsHugetlb() ? backing.HugetlbPageSize() : Sizes.PageSize;
        if (size == 0 || !hva.IsAligned(align) || size % align != 0) throw new ArgumentException($"MAP_FIXED range {hva}+{size:x} does not suit {backing}");
        Munmap(hva, hva + size);
        Mmap(hva, size, backing, prot, shared: false);
        return Errno.Ok;
    }

    /// <summary>
    /// Widens a range to whole host PMD/PUD leaves it intersects: reclaim unmaps whole folios
    /// (<c>try_to_unmap</c>'s notifier range is the folio's), and a partial zap splits the PMD under its own
    /// 2 MiB invalidation (<c>__split_huge_pmd</c>).
    /// </summary>
    private (Hva, Hva) CoverLeaves(Hva start, Hva end)
    {
        foreach (var leaf in PageTable.LeavesIn(start, end))
        {
            // A hugetlb page goes whole (madvise and munmap work in huge-page units on hugetlb VMAs), even a CONT_PTE
            // or CONT_PMD page built of several leaves.
            if (leaf.Folio is { IsZeroPage: false } f && f.Kind.IsHugetlb() && FolioRange(leaf.Start) is var (fs, fe))
            {
                if (fs < start) start = fs;
                if (fe > end) end = fe;
                continue;
            }
            if (leaf.Shift == Sizes.PageShift) continue;
            if (leaf.Start < start) start = leaf.Start;
            if (leaf.Start + leaf.Size > end) end = leaf.Start + leaf.Size;
        }
        return (start, end);
    }

    private (Hva, Hva) CoverHugetlb(Hva start, Hva end)
    {
        foreach (var leaf in PageTable.LeavesIn(start, end))
        {
            if (leaf.Folio is not { IsZeroPage: false } f || !f.Kind.IsHugetlb() || FolioRange(leaf.Start) is not var (fs, fe)) continue;
            if (fs < start) start = fs;
            if (fe > end) end = fe;
        }
        return (start, end);
    }

    private (Hva, Hva)? FolioRange(Hva hva)
    {
        if (!PageTable.TryGet(hva, out var pte) || pte.Folio is not { IsZeroPage: false } f) return null;
        var start = pte.Start - (ulong)(pte.Pfn - f.Head) * Sizes.PageSize;
        return (start, start + f.Size);
    }

    private void Munmap(Hva start, Hva end)
    {
        Zap(start, end, discardAnon: true);
        foreach (var k in _swap.Keys.Where(k => k >= start.Value && k < end.Value).ToList())
        {
            _swap.Remove(k);
            _swapMte.Remove(k);
        }
        _poison.RemoveAll(r => r.Start >= start && r.End <= end);
        foreach (var v in VmasIn(start, end).ToList())
        {
            _vmas.Remove(v);
            v.Dead = true;
            if (v.Start < start) Insert(Part(v, v.Start, start, v.Prot));
            if (v.End > end) Insert(Part(v, end, v.End, v.Prot));
        }
        ContentDiscarded?.Invoke(start, end);
    }

    /// <summary>
    /// mprotect_fixup returns at once for a VMA whose flags do not change (no change_protection, no notifier), so
    /// only the VMAs that change are invalidated; null when none does.
    /// </summary>
    private (Hva, Hva)? MprotectRange(Hva start, Hva end, HostProt prot)
    {
        var changed = VmasIn(start, end).Where(v => v.Prot != prot).ToList();
        if (changed.Count == 0) return null;
        var s = new Hva(Math.Max(changed.Min(v => v.Start.Value), start.Value));
        var e = new Hva(Math.Min(changed.Max(v => v.End.Value), end.Value));
        return CoverLeaves(s, e);
    }

    private void Mprotect(Hva start, Hva end, HostProt prot)
    {
        foreach (var v in VmasIn(start, end).ToList())
        {
            if (v.Prot == prot) continue; // mprotect_fixup: newflags == oldflags, nothing to do
            _vmas.Remove(v);
            v.Dead = true;
            if (v.Start < start) Insert(Part(v, v.Start, start, v.Prot));
            Insert(Part(v, v.Start > start ? v.Start : start, v.End < end ? v.End : end, prot));
            if (v.End > end) Insert(Part(v, end, v.End, v.Prot));
        }
        if ((prot & HostProt.Write) != 0)
        {
            foreach (var pte in PageTable.LeavesIn(start, end))
                if (!pte.Writable && FindVma(pte.Start) is { } vma && WritableAfterMprotect(vma, pte)) PageTable.Set(pte with { Writable = true });
            return;
        }
        // change_protection: present PTEs lose write; PROT_NONE is enforced by the VMA check in FaultIn.
        foreach (var pte in PageTable.LeavesIn(start, end))
            if (pte.Writable) PageTable.Set(pte with { Writable = false });
    }

    /// <summary>
    /// Whether mprotect to a writable protection makes a present PTE writable at once, with no write fault after
    /// (mm/mprotect.c 6.12): a shared mapping without write-notify (shmem, hugetlbfs) gets its new, writable
    /// <c>vm_page_prot</c> from <c>pte_modify</c> (<c>change_pte_range</c> :170; <c>hugetlb_change_protection</c> likewise);
    /// otherwise <c>mprotect_fixup</c> asks for <c>MM_CP_TRY_CHANGE_WRITABLE</c> (:678) and <c>can_change_pte_writable</c>
    /// (:43; <c>can_change_pmd_writable</c>, mm/huge_memory.c:1905) allows a write-notify file page only when dirty and a
    /// private page only when it is exclusive anonymous: never the zero page, a page-cache page or a private hugetlb page
    /// (whose <c>vm_page_prot</c> stays read-only). Found by actorkvm diff: a read fault after it maps stage 2 rw.
    /// </summary>
    private static bool WritableAfterMprotect(Vma vma, HostPte pte)
    {
        if (pte.Folio is not { IsZeroPage: false } f) return vma.Shared && pte.Folio is null;
        if (vma.Shared) return vma.Backing != BackingKind.File || f.Dirty;
        return f.CacheRefs == 0 && f.Kind is BackingKind.Anon or BackingKind.Thp;
    }

    private Vma Part(Vma v, Hva s, Hva e, HostProt prot)
    {
        var pgoff = v.PgOff + ((s - v.Start) >> Sizes.PageShift);
        return new Vma(_nextVmaId++, v.FileId, s, e - s, v.Backing, prot, v.Shared, pgoff);
    }

    /// <summary>zap_page_range: removes host leaves in [start, end), splitting a partially covered THP PMD first.</summary>
    private void Zap(Hva start, Hva end, bool discardAnon)
    {
        var (from, to) = (start, end);
        foreach (var pte in PageTable.LeavesIn(start, end))
        {
            if (pte.Shift == Sizes.PmdShift && pte.Folio is { } f && !f.Kind.IsHugetlb() && (pte.Start < start || pte.Start + pte.Size > end))
            {
                SplitPmdLeaf(pte);
                continue;
            }
            // A hugetlb leaf goes whole, so its content outside [start, end) is discarded too.
            if (pte.Start < from) from = pte.Start;
            if (pte.Start + pte.Size > to) to = pte.Start + pte.Size;
            RemoveLeaf(pte);
        }
        foreach (var pte in PageTable.LeavesIn(start, end)) RemoveLeaf(pte);
        if (discardAnon) ContentDiscarded?.Invoke(from, to);
    }

    private void SwapOut(Hva start, Hva end)
    {
        foreach (var pte in PageTable.LeavesIn(start, end))
        {
            var f = pte.Folio;
            // PFNMAP / MIXEDMAP device pages (special PTEs, vm_normal_page() == NULL) and hugetlb are not reclaimable.
            if (f is null || f.Kind.IsHugetlb() || f.Kind.IsDeviceAperture()) continue;
            if (f.IsZeroPage) { RemoveLeaf(pte); continue; }
            var vma = FindVma(pte.Start)!;
            for (var a = pte.Start; a < pte.Start + pte.Size; a += Sizes.PageSize)
            {
                var value = Phys.Read(pte.PfnAt(a));
                if (f.Kind is BackingKind.Anon or BackingKind.Thp)
                {
                    _swap[a.Value] = value;
                    // arch_prepare_to_swap / mte_save_tags: a tagged page's tags go to swap with it.
                    if (f.MteAt(pte.PfnAt(a))?.CopyIfTagged() is { } tags) _swapMte[a.Value] = tags;
                }
                else if (f.Dirty || f.Kind != BackingKind.File) _fileStore[PageIndex(vma, a)] = value; // writeback
            }
            RemoveLeaf(pte);
            if (f.CacheRefs > 0 && !f.HasExtraRefs)
            {
                _pageCache.Remove(PageIndex(vma, pte.Start));
                f.CacheRefs = 0;
                f.Dirty = false;
                MaybeFree(f);
            }
        }
    }

    /// <summary>
    /// move_pages(2)'s look-up (<c>add_folio_for_migration</c> / <c>do_pages_stat_array</c>, mm/migrate.c 6.12): no VMA
    /// is -EFAULT, nothing mapped -ENOENT, and the zero page or huge zero page (<c>FW_ZEROPAGE</c> finds it)
    /// -EFAULT (<c>__add_folio_for_migration</c>, mm/migrate.c:2209). Found by actorkvm diff.
    /// </summary>
    private Errno MigrateCheck(Hva hva)
    {
        if (FindVma(hva) is null) return Errno.EFAULT;
        if (!PageTable.TryGet(hva, out var pte) || pte.Folio is null) return Errno.ENOENT;
        return pte.Folio.IsZeroPage ? Errno.EFAULT : Errno.Ok;
    }

    private Errno Migrate(Hva hva)
    {
        if (MigrateCheck(hva) is var check && check != Errno.Ok) return check;
        PageTable.TryGet(hva, out var pte);
        var old = pte.Folio!;
        // Device memory behind a special PTE is never isolated for migration (vm_normal_page() returns NULL).
        if (old.Kind.IsDeviceAperture()) return Errno.EINVAL;
        // migrate_pages: the refcount freeze fails with extra references; remove_migration_ptes restores the mapping.
        if (old.HasExtraRefs) return Errno.EBUSY;
        var (start, end) = FolioRange(hva)!.Value;
        var moved = Phys.Allocate(old.Order, old.Kind);
        for (ulong i = 0; i < old.Pages; i++)
        {
            var v = old.Read(i);
            if (v != 0) moved.Write(i, v);
            moved.CopyMteFrom(old, i, i); // folio_copy copies the tags of a tagged page
        }
        moved.Dirty = old.Dirty;
        foreach (var leaf in PageTable.LeavesIn(start, end))
        {
            if (leaf.Folio != old) continue;
            PageTable.Set(leaf with { Pfn = moved.Head + (ulong)(leaf.Pfn - old.Head), Folio = moved });
            moved.MapRefs++;
            old.MapRefs--;
        }
        if (old.CacheRefs > 0)
        {
            foreach (var key in _pageCache.Where(kv => kv.Value == old).Select(kv => kv.Key).ToList()) _pageCache[key] = moved;
            moved.CacheRefs = old.CacheRefs;
            old.CacheRefs = 0;
        }
        MaybeFree(old);
        return Errno.Ok;
    }

    private Errno SplitPmd(Hva hva)
    {
        if (PageTable.TryGet(hva, out var pmd) && pmd.Shift == Sizes.PmdShift && pmd.Folio is { } f && !f.Kind.IsHugetlb())
            SplitPmdLeaf(pmd);
        return Errno.Ok;
    }

    /// <summary>__split_huge_pmd: one PMD leaf becomes 512 PTEs over the same pfns.</summary>
    private void SplitPmdLeaf(HostPte pmd)
    {
        PageTable.Remove(pmd.Start, pmd.Shift);
        var f = pmd.Folio!;
        f.MapRefs--;
        for (ulong i = 0; i < Sizes.PtrsPerPmd; i++)
        {
            PageTable.Set(new HostPte(pmd.Start + i * Sizes.PageSize, Sizes.PageShift, pmd.Pfn + i, f, pmd.Writable));
            f.MapRefs++;
        }
    }

    private Errno SplitFolio(Hva hva)
    {
        var pre = Precheck(HostOp.ThpSplitFolio, hva);
        if (pre != Errno.Ok) return pre;
        var (start, end) = FolioRange(hva)!.Value;
        PageTable.TryGet(hva, out var leaf);
        if (leaf.Shift == Sizes.PmdShift) SplitPmdLeaf(leaf);
        var old = leaf.Folio!;
        var parts = Phys.Split(old);
        foreach (var pte in PageTable.LeavesIn(start, end))
        {
            if (pte.Folio != old) continue;
            var part = parts[pte.Pfn - old.Head];
            part.MapRefs++;
            PageTable.Set(pte with { Folio = part });
        }
        return Errno.Ok;
    }

    /// <summary>
    /// <c>MADV_COLLAPSE</c> of an anonymous THP range (<c>madvise_collapse</c> / <c>hpage_collapse_scan_pmd</c>, mm/khugepaged.c
    /// 6.12), what the runner does: the VMA must allow THP (<c>thp_vma_allowable_order</c>, :2746: not MADV_NOHUGEPAGE, not
    /// hugetlb); a range already mapped by a PMD, the huge zero page too, counts as collapsed and changes nothing
    /// (<c>find_pmd_or_thp_or_none</c> → <c>SCAN_PMD_MAPPED</c>, :2798); with no writable present page it is refused
    /// (<c>SCAN_PAGE_RO</c>, :1412 → -EINVAL). Found by actorkvm diff. Extra references or poison give -EBUSY here
    /// (6.12's MADV_COLLAPSE says -EAGAIN for <c>SCAN_PAGE_COUNT</c>; khugepaged has no errno): races only.
    /// </summary>
    private Errno CollapseCheck(Hva hva) => CollapseScan(hva).Result;

    /// <summary><see cref="CollapseCheck"/>, and whether the range is already PMD-mapped (then there is nothing to do).</summary>
    private (Errno Result, bool PmdMapped) CollapseScan(Hva hva)
    {
        var start = hva.AlignDown(Sizes.PmdSize);
        var vma = FindVma(hva);
        if (vma is null || vma.Backing != BackingKind.Thp || start < vma.Start || start + Sizes.PmdSize > vma.End) return (Errno.EINVAL, false);
        var leaves = PageTable.LeavesIn(start, start + Sizes.PmdSize);
        if (leaves.Any(l => l.Shift != Sizes.PageShift)) return (Errno.Ok, true);
        // hpage_collapse_scan_pmd / is_refcount_suitable: pinned or extra-referenced pages block the collapse.
        if (leaves.Any(l => l.Folio is { } f && (f.HasExtraRefs || f.AnyPoisoned))) return (Errno.EBUSY, false);
        // pte_none_or_zero entries are skipped; nothing mapped, or only read-only or zero pages: SCAN_PAGE_RO.
        return (leaves.Any(l => l.Writable && l.Folio is { IsZeroPage: false }) ? Errno.Ok : Errno.EINVAL, false);
    }

    private Errno Collapse(Hva hva)
    {
        var (check, pmdMapped) = CollapseScan(hva);
        if (check != Errno.Ok || pmdMapped) return check;
        var start = hva.AlignDown(Sizes.PmdSize);
        var huge = Phys.Allocate(9, BackingKind.Thp);
        for (ulong i = 0; i < Sizes.PtrsPerPmd; i++)
        {
            var a = start + i * Sizes.PageSize;
            var v = PageTable.TryGet(a, out var pte) ? Phys.Read(pte.PfnAt(a)) : _swap.GetValueOrDefault(a.Value);
            _swap.Remove(a.Value);
            if (v != 0) huge.Write(i, v);
            // __collapse_huge_page_copy -> copy_mc_user_highpage copies a tagged page's tags; swapped pages come back first.
            if (pte.Folio is { } src) huge.CopyMteFrom(src, (ulong)(pte.PfnAt(a) - src.Head), i);
            else if (_swapMte.Remove(a.Value, out var saved)) huge.RestoreMte(i, saved);
        }
        foreach (var pte in PageTable.LeavesIn(start, start + Sizes.PmdSize)) RemoveLeaf(pte);
        var writable = (FindVma(hva)!.Prot & HostProt.Write) != 0;
        InstallFolio(start, Sizes.PmdShift, huge, writable);
        return Errno.Ok;
    }

    /// <summary>memory_failure: the page is poisoned and unmapped; the host PTE becomes a hwpoison entry.</summary>
    private void Poison(Hva hva)
    {
        if (!PageTable.TryGet(hva, out var pte))
        {
            _poison.Add((hva.AlignDown(Sizes.PageSize), hva.AlignDown(Sizes.PageSize) + Sizes.PageSize));
            return;
        }
        var f = pte.Folio;
        if (f is null || f.IsZeroPage) return;
        f.Poison((ulong)(pte.PfnAt(hva) - f.Head));
        if (f.Kind.IsHugetlb())
        {
            // A hugetlb page is poisoned and unmapped as a whole.
            var (s, e) = FolioRange(hva)!.Value;
            foreach (var leaf in PageTable.LeavesIn(s, e)) if (leaf.Folio == f) RemoveLeaf(leaf);
            _poison.Add((s, e));
            ContentDiscarded?.Invoke(s, e);
            return;
        }
        if (pte.Shift == Sizes.PmdShift) SplitPmdLeaf(pte);
        PageTable.TryGet(hva, out var page);
        RemoveLeaf(page);
        _poison.Add((page.Start, page.Start + Sizes.PageSize));
        // The content is gone with the page (a later access gets SIGBUS): nothing to read back for lost writes.
        ContentDiscarded?.Invoke(page.Start, page.Start + Sizes.PageSize);
    }

    /// <summary>
    /// The page-table teardown of <c>exit_mmap</c> after <c>mmu_notifier_release</c> (<c>unmap_vmas</c> then
    /// <c>free_pgtables</c>) over [start, end): leaves are zapped and their table pages freed with no MMU-notifier
    /// invalidation. The VMAs stay (a later touch repopulates). Returns the leaves removed.
    /// </summary>
    public int FreePageTables(Hva start, Hva end)
    {
        var leaves = PageTable.LeavesIn(start, end);
        foreach (var pte in leaves) RemoveLeaf(pte);
        PageTable.FreeTables(leaves);
        return leaves.Count;
    }

    private void RemoveLeaf(in HostPte pte)
    {
        PageTable.Remove(pte.Start, pte.Shift);
        if (pte.Folio is not { } f) return;
        f.MapRefs--;
        MaybeFree(f);
    }
}
