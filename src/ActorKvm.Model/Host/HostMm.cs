using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Host;

/// <summary>
/// The VMM process's memory (<c>struct mm_struct</c>): VMAs, the host page table, the page cache of
/// shmem/file/guest_memfd mappings and the swap store. Pages are populated lazily on first touch, as
/// the kernel does: reads of untouched private anonymous memory map the (huge) zero page read-only, a
/// first write allocates, a write to a zero page breaks copy-on-write.
/// </summary>
/// <remarks>
/// Operations that change present host PTEs are split into a range (for the MMU-notifier
/// invalidation that must surround them) and the change itself, so a caller can interleave other work
/// between <c>invalidate_range_start</c>, the change and <c>invalidate_range_end</c>.
/// </remarks>
public sealed partial class HostMm
{
    private readonly List<Vma> _vmas = [];
    private readonly Dictionary<(int File, ulong Index), Folio> _pageCache = [];
    private readonly Dictionary<(int File, ulong Index), ulong> _fileStore = [];  // on-disk content of file pages
    private readonly Dictionary<ulong, PageMte> _swapMte = [];                  // hva page → MTE tags saved with a swapped anon page
    private readonly Dictionary<ulong, ulong> _swap = [];                         // hva page → content of swapped anon pages
    private readonly List<(Hva Start, Hva End)> _poison = [];
    private int _nextVmaId;

    /// <summary>Creates an empty address space over <paramref name="phys"/>.</summary>
    public HostMm(PhysicalMemory phys) => Phys = phys;

    /// <summary>Where a fault-in or pin (<c>mmap_lock</c> read) and a change of the VMAs (write) are reported, if anywhere.</summary>
    public Locking.PhaseLockChecker? Locks { get; init; }

    /// <summary>Physical memory.</summary>
    public PhysicalMemory Phys { get; }
    /// <summary>The host page table.</summary>
    public HostPageTable PageTable { get; } = new();
    /// <summary>Live VMAs in address order.</summary>
    public IReadOnlyList<Vma> Vmas => _vmas;

    /// <summary>Raised when content at an HVA range is discarded by design (munmap, MADV_DONTNEED of anonymous memory), so expectations reset.</summary>
    public event Action<Hva, Hva>? ContentDiscarded;

    /// <summary><c>mmap</c>: adds a VMA. The caller checked that it does not overlap.</summary>
    public Vma Mmap(Hva start, ulong size, BackingKind backing, HostProt prot, bool shared)
    {
        // MAP_SHARED|MAP_ANONYMOUS is shmem: mmap_region calls shmem_zero_setup for a shared anonymous VMA, so it has no
        // zero page and no copy-on-write, and its THPs follow shmem_enabled (default never). Found by actorkvm diff.
        if (shared && backing is BackingKind.Anon or BackingKind.Thp) backing = BackingKind.Shmem;
        var pgoff = backing.IsDeviceAperture() ? Phys.AllocateDeviceAperture(size, AlignmentFor(start, size)).Value : 0;
        var id = _nextVmaId++;
        var vma = new Vma(id, id, start, size, backing, prot, shared, pgoff);
        Insert(vma);
        return vma;
    }

    /// <summary>True when [start, start+size) overlaps a live VMA.</summary>
    public bool Overlaps(Hva start, ulong size)
    {
        foreach (var v in _vmas) if (v.Start < start + size && start < v.End) return true;
        return false;
    }

    /// <summary><c>vma_lookup</c>.</summary>
    public Vma? FindVma(Hva hva)
    {
        foreach (var v in _vmas) if (v.Contains(hva)) return v;
        return null;
    }

    /// <summary>VMAs intersecting [start, end).</summary>
    public IEnumerable<Vma> VmasIn(Hva start, Hva end)
    {
        foreach (var v in _vmas) if (v.Start < end && start < v.End) yield return v;
    }

    /// <summary>
    /// The host side of <c>__kvm_faultin_pfn</c> / <c>hva_to_pfn</c>: fault the page in (lazily populating
    /// it) and, when <paramref name="takeRef"/>, take a GUP reference. A read reports the page writable
    /// only if the host PTE already is (<c>hva_to_pfn_fast</c>); reads never break copy-on-write.
    /// </summary>
    public HostFaultIn FaultIn(Hva hva, bool write, bool takeRef)
    {
        Locks?.Took(Locking.KernelLocks.MmapRead); // GUP: mmap_read_lock
        var vma = FindVma(hva);
        if (vma is null) return HostFaultIn.Failed(HostFaultStatus.Fault);
        if ((vma.Prot & HostProt.Read) == 0 || (write && (vma.Prot & HostProt.Write) == 0))
            return HostFaultIn.Failed(HostFaultStatus.Fault);
        if (IsPoisoned(hva)) return HostFaultIn.Failed(HostFaultStatus.HwPoison);

        if (!PageTable.TryGet(hva, out var pte)) pte = Populate(vma, hva, write);

        if (write && !pte.Writable)
        {
            if (pte.Folio is { IsZeroPage: true } || (pte.Folio is { CacheRefs: > 0 } && !vma.Shared))
            {
                // do_wp_page on the zero page / do_huge_pmd_wp_page on the huge zero page / wp_page_copy of a
                // page-cache page in a private mapping: the PTE changes, so the MMU notifier must run first.
                var size = pte.Size;
                var start = pte.Start;
                return new HostFaultIn(HostFaultStatus.NeedsCowBreak, default, null, false, start, start + size);
            }
            // Exclusive private page or shared page with write-notify: upgraded in place, no notifier.
            pte = pte with { Writable = true };
            PageTable.Set(pte);
            if (pte.Folio is not null && !pte.Folio.SwapBacked) pte.Folio.Dirty = true; // page_mkwrite
        }

        var folio = pte.Folio;
        if (folio is not null && folio.AnyPoisoned && folio.IsPoisoned((ulong)(pte.PfnAt(hva) - folio.Head)))
            return HostFaultIn.Failed(HostFaultStatus.HwPoison);
        if (takeRef && folio is not null)
        {
            folio.GupRefs++;
            GupRefsHeld++;
        }
        return new HostFaultIn(HostFaultStatus.Ok, pte.PfnAt(hva), folio, pte.Writable, default, default);
    }

    /// <summary>
    /// GUP references taken (<see cref="FaultIn"/> with a reference, the guest_memfd fault-in) and not yet put, over every
    /// folio: the host's own count, which the oracle compares with nothing in flight (<c>CheckReferencesPut</c>).
    /// </summary>
    public int GupRefsHeld { get; private set; }

    /// <summary>Drops a GUP reference taken by <see cref="FaultIn"/> (<c>kvm_release_page_*</c>).</summary>
    /// <returns>False when there was no reference to drop (an underflow).</returns>
    public bool PutPage(Folio folio, bool dirty)
    {
        if (folio.GupRefs <= 0) return false;
        folio.GupRefs--;
        GupRefsHeld--;
        if (dirty) folio.Dirty = true;
        folio.Accessed = true;
        MaybeFree(folio);
        return true;
    }

    /// <summary>
    /// Breaks copy-on-write at <paramref name="hva"/> (the host change inside its invalidation): a zero-page
    /// mapping gets a fresh zeroed page, a private mapping of a page-cache page gets an anonymous copy.
    /// </summary>
    public void BreakCow(Hva hva)
    {
        if (!PageTable.TryGet(hva, out var pte) || pte.Folio is null) return;
        if (!pte.Folio.IsZeroPage)
        {
            if (pte.Folio.CacheRefs == 0) return;
            var copy = Phys.Allocate(0, BackingKind.Anon);
            var v = Phys.Read(pte.PfnAt(hva));
            if (v != 0) copy.Write(0, v);
            RemoveLeaf(pte);
            copy.MapRefs = 1;
            PageTable.Set(new HostPte(pte.Start, Sizes.PageShift, copy.Head, copy, true));
            return;
        }
        if (pte.Shift == Sizes.PmdShift)
        {
            // __split_huge_pmd of the huge zero page: 4K zero-page PTEs, then CoW the one page.
            PageTable.Remove(pte.Start, pte.Shift);
            for (var a = pte.Start; a < pte.Start + pte.Size; a += Sizes.PageSize)
                PageTable.Set(new HostPte(a, Sizes.PageShift, Phys.ZeroPage.Head, Phys.ZeroPage, false));
        }
        var page = hva.AlignDown(Sizes.PageSize);
        PageTable.Remove(page, Sizes.PageShift);
        var folio = Phys.Allocate(0, BackingKind.Anon);
        folio.MapRefs = 1;
        PageTable.Set(new HostPte(page, Sizes.PageShift, folio.Head, folio, true));
    }

    /// <summary>Reads the content the host sees at <paramref name="hva"/> (0 for unpopulated memory).</summary>
    public ulong Read(Hva hva)
    {
        if (PageTable.TryGet(hva, out var pte)) return Phys.Read(pte.PfnAt(hva));
        var vma = FindVma(hva);
        if (vma is null) return 0;
        var key = PageIndex(vma, hva);
        if (_swap.TryGetValue(hva.AlignDown(Sizes.PageSize).Value, out var swapped)) return swapped;
        if (_pageCache.TryGetValue(key, out var f)) return f.Read(0);
        if (vma.Backing.IsHugetlb() && _pageCache.TryGetValue(PageIndex(vma, hva.AlignDown(vma.HugePageSize)), out var h))
            return h.Read((hva - hva.AlignDown(vma.HugePageSize)) >> Sizes.PageShift);
        return _fileStore.TryGetValue(key, out var disk) ? disk : 0;
    }

    /// <summary>True when the page at <paramref name="hva"/> is poisoned (a memory failure hit it).</summary>
    public bool IsPoisoned(Hva hva)
    {
        foreach (var (s, e) in _poison) if (hva >= s && hva < e) return true;
        return false;
    }

    private static (int, ulong) PageIndex(Vma vma, Hva hva) => (vma.FileId, vma.PageIndexOf(hva));

    private static ulong AlignmentFor(Hva start, ulong size)
    {
        // Give device apertures the alignment of their HVA so get_vma_page_shift can find PMD/PUD blocks.
        for (var a = Sizes.PudSize; a > Sizes.PageSize; a >>= 1)
            if (start.IsAligned(a) && size >= a) return a;
        return Sizes.PageSize;
    }

    private void Insert(Vma vma)
    {
        var i = 0;
        while (i < _vmas.Count && _vmas[i].Start < vma.Start) i++;
        _vmas.Insert(i, vma);
    }

    private void MaybeFree(Folio folio)
    {
        if (folio.RefCount == 0) Phys.Free(folio);
    }
}
