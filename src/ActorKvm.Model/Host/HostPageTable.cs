using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Host;

/// <summary>
/// The VMM process's page table, sparse: leaves keyed by their aligned HVA at their level. Looking up an
/// HVA checks the PUD, then PMD, then PTE level, like a walk that stops at the first leaf.
/// </summary>
public sealed class HostPageTable
{
    private readonly Dictionary<ulong, HostPte> _pud = [];
    private readonly Dictionary<ulong, HostPte> _pmd = [];
    // PTEs live in one 32-entry array per 128 KiB region, so the table grows by regions, not by pages, and a sparse
    // first-touch pattern (a few pages per 2 MiB) does not pay for a whole 512-entry PTE page per page touched; a slot
    // keeps only what its position does not say (see PteSlot).
    private const int RegionShift = Sizes.PageShift + 5;
    private const ulong RegionPtes = 1UL << (RegionShift - Sizes.PageShift);
    private readonly Dictionary<ulong, PteSlot[]> _pte = [];
    private int _pteCount;
    private readonly HashSet<ulong> _poisonEntries = [];
    // Leaves of table pages freed by FreeTables: the freed pages still hold their old descriptors until reused.
    private readonly List<HostPte> _freed = [];
    private readonly List<HostPte> _anyScratch = [];

    /// <summary>Raised when a walk read a descriptor out of a freed table page (a use-after-free).</summary>
    public event Action<Hva>? FreedTableRead;

    /// <summary>Incremented on every change; lets readers tell that a walk raced with a change.</summary>
    public ulong Generation { get; private set; }

    /// <summary>The leaf mapping <paramref name="hva"/>, if any.</summary>
    public bool TryGet(Hva hva, out HostPte pte)
    {
        if (_pud.Count != 0 && _pud.TryGetValue(hva.Value & ~(Sizes.PudSize - 1), out pte)) return true;
        if (_pmd.Count != 0 && _pmd.TryGetValue(hva.Value & ~(Sizes.PmdSize - 1), out pte)) return true;
        if (_pte.TryGetValue(hva.Value >> RegionShift, out var region))
        {
            var index = (hva.Value >> Sizes.PageShift) & (RegionPtes - 1);
            ref readonly var slot = ref region[index];
            pte = slot.IsPresent ? slot.At(hva.Value >> RegionShift, index) : default;
            return slot.IsPresent;
        }
        pte = default;
        return false;
    }

    /// <summary><c>get_user_mapping_size</c>: the host leaf size at hva, or 0 when nothing is mapped.</summary>
    public ulong MappingSize(Hva hva) => TryGet(hva, out var pte) ? pte.Size : 0;

    /// <summary>True when a hwpoison entry replaced the mapping of this page.</summary>
    public bool IsPoisonEntry(Hva hva) => _poisonEntries.Contains(hva.Value & ~(Sizes.PageSize - 1));

    /// <summary>Installs a leaf (the caller removed whatever overlapped it).</summary>
    public void Set(in HostPte pte)
    {
        Generation++;
        if (_freed.Count != 0)
        {
            var (s, e) = (pte.Start, pte.Start + pte.Size);
            _freed.RemoveAll(f => f.Start < e && s < f.Start + f.Size); // the table page was reused
        }
        if (pte.Shift == Sizes.PageShift)
        {
            if (!_pte.TryGetValue(pte.Start.Value >> RegionShift, out var region))
                _pte[pte.Start.Value >> RegionShift] = region = new PteSlot[RegionPtes];
            ref var slot = ref region[(pte.Start.Value >> Sizes.PageShift) & (RegionPtes - 1)];
            if (!slot.IsPresent) _pteCount++;
            slot = PteSlot.Of(pte);
            return;
        }
        Map(pte.Shift)[pte.Start.Value] = pte;
    }

    /// <summary>Removes the leaf that starts exactly at <paramref name="start"/> at that level.</summary>
    public bool Remove(Hva start, int shift)
    {
        Generation++;
        if (shift != Sizes.PageShift) return Map(shift).Remove(start.Value);
        if (!_pte.TryGetValue(start.Value >> RegionShift, out var region)) return false;
        ref var slot = ref region[(start.Value >> Sizes.PageShift) & (RegionPtes - 1)];
        if (!slot.IsPresent) return false;
        slot = default;
        if (--_pteCount == 0) _pte.Clear();
        return true;
    }

    /// <summary>Marks a page as hwpoisoned in the page table (<c>make_hwpoison_entry</c>).</summary>
    public void SetPoisonEntry(Hva hva)
    {
        _poisonEntries.Add(hva.Value & ~(Sizes.PageSize - 1));
        Generation++;
    }

    /// <summary>Drops poison entries in a range (munmap).</summary>
    public void ClearPoisonEntries(Hva start, Hva end) => _poisonEntries.RemoveWhere(h => h >= start.Value && h < end.Value);

    /// <summary>
    /// <c>free_pgtables</c> over [start, end) after its leaves were removed by the caller: the table pages go back to
    /// the allocator still holding <paramref name="leaves"/> until reused.
    /// </summary>
    public void FreeTables(IEnumerable<HostPte> leaves)
    {
        Generation++;
        _freed.AddRange(leaves);
    }

    /// <summary>
    /// A walk of the host page table that the page-table freeing path does not wait for (no IRQs disabled, no
    /// lock): it may read a freed table page, whose stale descriptor then decides the size. Returns 0 when
    /// nothing, live or freed, maps <paramref name="hva"/>.
    /// </summary>
    public ulong MappingSizeUnprotected(Hva hva)
    {
        if (TryGet(hva, out var pte)) return pte.Size;
        foreach (var f in _freed)
        {
            if (hva < f.Start || hva >= f.Start + f.Size) continue;
            FreedTableRead?.Invoke(hva);
            return f.Size;
        }
        return 0;
    }

    /// <summary>Every leaf intersecting [start, end), in address order.</summary>
    public List<HostPte> LeavesIn(Hva start, Hva end)
    {
        var result = new List<HostPte>();
        Collect(_pud, Sizes.PudSize, start, end, result);
        Collect(_pmd, Sizes.PmdSize, start, end, result);
        CollectPtes(start, end, result);
        result.Sort((a, b) => a.Start.CompareTo(b.Start));
        return result;
    }

    /// <summary>True when any leaf intersects [start, end) (<see cref="LeavesIn"/> without building the sorted list: the THP fault path asks this on every fault).</summary>
    public bool AnyLeafIn(Hva start, Hva end)
    {
        _anyScratch.Clear();
        Collect(_pud, Sizes.PudSize, start, end, _anyScratch);
        Collect(_pmd, Sizes.PmdSize, start, end, _anyScratch);
        CollectPtes(start, end, _anyScratch);
        var any = _anyScratch.Count != 0;
        _anyScratch.Clear();
        return any;
    }

    private static void Collect(Dictionary<ulong, HostPte> map, ulong size, Hva start, Hva end, List<HostPte> into)
    {
        if (map.Count == 0) return;
        var span = (end.Value - start.Value) / size + 2;
        if (span < (ulong)map.Count)
        {
            for (var a = start.Value & ~(size - 1); a < end.Value; a += size)
                if (map.TryGetValue(a, out var p)) into.Add(p);
        }
        else
        {
            foreach (var p in map.Values)
                if (p.Start.Value < end.Value && p.Start.Value + size > start.Value) into.Add(p);
        }
    }

    private void CollectPtes(Hva start, Hva end, List<HostPte> into)
    {
        if (_pteCount == 0) return;
        var first = start.Value >> RegionShift;
        var last = (end.Value - 1) >> RegionShift;
        if (last - first + 1 > (ulong)_pte.Count)
        {
            foreach (var (key, region) in _pte)
                if (key >= first && key <= last) CollectRegion(key, region, start, end, into);
            return;
        }
        for (var k = first; k <= last; k++)
            if (_pte.TryGetValue(k, out var region)) CollectRegion(k, region, start, end, into);
    }

    private static void CollectRegion(ulong key, PteSlot[] region, Hva start, Hva end, List<HostPte> into)
    {
        for (var i = 0UL; i < (ulong)region.Length; i++)
        {
            if (!region[i].IsPresent) continue;
            var p = region[i].At(key, i);
            if (p.Start < end && p.Start >= start.AlignDown(Sizes.PageSize)) into.Add(p);
        }
    }

    /// <summary>
    /// A PTE-level leaf in its region's array: its start (the region and index) and shift (4 KiB) follow from where it
    /// is stored, so a slot keeps the folio and the pfn, with present and writable in the pfn's top bits — 16 bytes, half
    /// a <see cref="HostPte"/> (the regions were the largest allocation of a first-touch fault).
    /// </summary>
    private readonly struct PteSlot(Folio? folio, ulong bits)
    {
        private const ulong PresentBit = 1UL << 63, WritableBit = 1UL << 62;
        private readonly Folio? _folio = folio;
        private readonly ulong _bits = bits;

        public bool IsPresent => (_bits & PresentBit) != 0;

        public static PteSlot Of(in HostPte pte)
        {
            if (pte.Pfn.Value >= WritableBit || (pte.Start.Value & (Sizes.PageSize - 1)) != 0)
                throw new ArgumentOutOfRangeException(nameof(pte), $"a PTE needs a page-aligned start and a pfn below 2^62: {pte}");
            return new(pte.Folio, pte.Pfn.Value | PresentBit | (pte.Writable ? WritableBit : 0));
        }

        /// <summary>The leaf at <paramref name="index"/> of the region with key <paramref name="region"/> (its number in units of <see cref="RegionShift"/>).</summary>
        public HostPte At(ulong region, ulong index) =>
            new(new Hva((region << RegionShift) | (index << Sizes.PageShift)), Sizes.PageShift, new Pfn(_bits & (WritableBit - 1)), _folio, (_bits & WritableBit) != 0);
    }

    private Dictionary<ulong, HostPte> Map(int shift) => shift switch
    {
        Sizes.PudShift => _pud,
        Sizes.PmdShift => _pmd,
        _ => throw new ArgumentOutOfRangeException(nameof(shift)),
    };
}
