using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Host;

/// <summary>
/// Host physical memory: a deterministic bump allocator of naturally aligned folios. Pfns are never
/// reused, so a freed page stays identifiable and any guest access through a stale leaf is observable.
/// </summary>
public sealed class PhysicalMemory
{
    private const ulong RamBasePfn = 0x80000;          // 2 GiB, like a typical arm64 RAM base
    private const ulong DeviceBasePfn = 0x1_0000_0000; // device apertures far above RAM
    private static readonly int[] Orders = [0, 4, 9, 13, 18];

    // Large folios (order >= 9) by head pfn; small ones in one 32-entry array per 128 KiB of pfns, so the index grows by
    // regions, not by pages, and small folios scattered between huge ones (pfns are handed out in order) do not each
    // pay for a 2 MiB region.
    private const int SmallRegionShift = 5;
    private const ulong SmallRegionMask = (1UL << SmallRegionShift) - 1;
    private readonly Dictionary<ulong, Folio> _byHead = [];
    private readonly Dictionary<ulong, Folio?[]> _small = [];
    private readonly Dictionary<ulong, ulong> _deviceContent = [];
    private ulong _nextPfn = RamBasePfn;
    private readonly Queue<Folio> _quarantine = new();
    /// <summary>Freed folios kept findable (see <see cref="Free"/>).</summary>
    private const int QuarantineFolios = 16_384;
    private ulong _nextDevicePfn = DeviceBasePfn;

    /// <summary>The shared zero page (order 0).</summary>
    public Folio ZeroPage { get; }
    /// <summary>The huge zero page (order 9), mapped read-only by PMD on reads of untouched THP memory.</summary>
    public Folio HugeZeroPage { get; }

    /// <summary>Creates the memory with its zero pages.</summary>
    public PhysicalMemory()
    {
        HugeZeroPage = Allocate(9, BackingKind.Thp, isZeroPage: true);
        ZeroPage = Allocate(0, BackingKind.Anon, isZeroPage: true);
    }

    /// <summary>Folios currently allocated and not freed (zero pages excluded).</summary>
    public int LiveFolios { get; private set; }

    /// <summary>4 KiB pages allocated so far (zero pages excluded): what modelled time charges as page clearing.</summary>
    public ulong AllocatedPages { get; private set; }

    /// <summary>Allocates a naturally aligned folio of 2^order pages.</summary>
    public Folio Allocate(int order, BackingKind kind, bool isZeroPage = false)
    {
        var pages = 1UL << order;
        var head = (_nextPfn + pages - 1) & ~(pages - 1);
        _nextPfn = head + pages;
        var folio = new Folio(new Pfn(head), order, kind, isZeroPage);
        Index(folio);
        if (!isZeroPage)
        {
            LiveFolios++;
            AllocatedPages += pages;
        }
        return folio;
    }

    /// <summary>Reserves a device aperture (no struct page behind it) aligned to <paramref name="align"/> bytes.</summary>
    public Pfn AllocateDeviceAperture(ulong size, ulong align)
    {
        var alignPages = Math.Max(1, align / Sizes.PageSize);
        var head = (_nextDevicePfn + alignPages - 1) & ~(alignPages - 1);
        _nextDevicePfn = head + size / Sizes.PageSize;
        return new Pfn(head);
    }

    /// <summary>
    /// The <c>struct page</c> folio of 2^order device pages at <paramref name="head"/> (a device aperture pfn, outside
    /// the linear map), created on first use, or again after the previous one was freed.
    /// </summary>
    public Folio DeviceFolio(Pfn head, int order)
    {
        if (FolioOf(head) is { Freed: false } f && f.Head == head && f.Order == order) return f;
        var folio = new Folio(head, order, BackingKind.DeviceMixedmap, false);
        Index(folio);
        LiveFolios++;
        return folio;
    }

    /// <summary><c>pfn_is_map_memory</c>: the pfn is RAM in the kernel linear map.</summary>
    public static bool IsMapMemory(Pfn pfn) => pfn.Value < DeviceBasePfn;

    /// <summary>The folio holding <paramref name="pfn"/>, or null for device pfns and unknown pfns.</summary>
    public Folio? FolioOf(Pfn pfn)
    {
        if (_small.TryGetValue(pfn.Value >> SmallRegionShift, out var region) && region[pfn.Value & SmallRegionMask] is { } small) return small;
        foreach (var order in Orders)
        {
            if (order < 9) continue;
            var head = pfn.Value & ~((1UL << order) - 1);
            if (_byHead.TryGetValue(head, out var f) && f.Contains(pfn)) return f;
        }
        return null;
    }

    private void Index(Folio folio)
    {
        if (folio.Order >= 9)
        {
            _byHead[folio.Head.Value] = folio;
            return;
        }
        for (var pfn = folio.Head.Value; pfn < folio.Head.Value + folio.Pages; pfn++)
        {
            var key = pfn >> SmallRegionShift;
            if (!_small.TryGetValue(key, out var region)) _small[key] = region = new Folio?[SmallRegionMask + 1];
            region[pfn & SmallRegionMask] = folio;
        }
    }

    /// <summary>Reads the content value of one page (device pfns have their own store).</summary>
    public ulong Read(Pfn pfn)
    {
        var f = FolioOf(pfn);
        if (f is not null) return f.Read((ulong)(pfn - f.Head));
        return _deviceContent.TryGetValue(pfn.Value, out var v) ? v : 0;
    }

    /// <summary>Writes the content value of one page.</summary>
    public void Write(Pfn pfn, ulong value)
    {
        var f = FolioOf(pfn);
        if (f is not null) f.Write((ulong)(pfn - f.Head), value);
        else _deviceContent[pfn.Value] = value;
    }

    internal void Free(Folio folio)
    {
        if (folio.Freed || folio.IsZeroPage) return;
        folio.Freed = true;
        LiveFolios--;
        // A freed folio stays findable for a while, so a stale mapping of it is still seen as freed (the oracle checks
        // after every step, long before the quarantine turns over); older ones leave the index, so a long run's memory
        // stays flat. Pfns are never reused, so a pfn that is no longer indexed cannot be mistaken for a live page.
        _quarantine.Enqueue(folio);
        if (_quarantine.Count > QuarantineFolios) Unindex(_quarantine.Dequeue());
    }

    private void Unindex(Folio folio)
    {
        if (folio.Order >= 9)
        {
            if (_byHead.TryGetValue(folio.Head.Value, out var f) && f == folio) _byHead.Remove(folio.Head.Value);
            return;
        }
        for (var pfn = folio.Head.Value; pfn < folio.Head.Value + folio.Pages; pfn++)
        {
            var key = pfn >> SmallRegionShift;
            if (!_small.TryGetValue(key, out var region)) continue;
            ref var slot = ref region[pfn & SmallRegionMask];
            if (slot == folio) slot = null;
            if ((pfn & SmallRegionMask) == SmallRegionMask || pfn + 1 == folio.Head.Value + folio.Pages)
                if (Array.TrueForAll(region, x => x is null)) _small.Remove(key);
        }
    }

    /// <summary><c>split_huge_page</c>: replaces a large folio by order-0 folios over the same pfns, content kept.</summary>
    internal Folio[] Split(Folio folio)
    {
        _byHead.Remove(folio.Head.Value);
        var parts = new Folio[folio.Pages];
        for (ulong i = 0; i < folio.Pages; i++)
        {
            var part = new Folio(folio.Head + i, 0, folio.Kind, false) { Dirty = folio.Dirty };
            var v = folio.Read(i);
            if (v != 0) part.Write(0, v);
            if (folio.IsPoisoned(i)) part.Poison(0);
            part.RestoreMte(0, folio.Mte(i)); // struct page flags and tags stay with the page
            Index(part);
            parts[i] = part;
        }
        folio.Freed = true; // the large folio object is gone; its pfns live on in the parts
        LiveFolios += (int)folio.Pages - 1;
        return parts;
    }
}
