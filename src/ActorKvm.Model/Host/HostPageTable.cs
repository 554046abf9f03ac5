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
    private readonly Dictionary<ulong, HostPte> _pte = [];
    private readonly HashSet<ulong> _poisonEntries = [];

    /// <summary>Incremented on every change; lets readers tell that a walk raced with a change.</summary>
    public ulong Generation { get; private set; }

    /// <summary>The leaf mapping <paramref name="hva"/>, if any.</summary>
    public bool TryGet(Hva hva, out HostPte pte)
    {
        if (_pud.Count != 0 && _pud.TryGetValue(hva.Value & ~(Sizes.PudSize - 1), out pte)) return true;
        if (_pmd.Count != 0 && _pmd.TryGetValue(hva.Value & ~(Sizes.PmdSize - 1), out pte)) return true;
        return _pte.TryGetValue(hva.Value & ~(Sizes.PageSize - 1), out pte);
    }

    /// <summary><c>get_user_mapping_size</c>: the host leaf size at hva, or 0 when nothing is mapped.</summary>
    public ulong MappingSize(Hva hva) => TryGet(hva, out var pte) ? pte.Size : 0;

    /// <summary>True when a hwpoison entry replaced the mapping of this page.</summary>
    public bool IsPoisonEntry(Hva hva) => _poisonEntries.Contains(hva.Value & ~(Sizes.PageSize - 1));

    /// <summary>Installs a leaf (the caller removed whatever overlapped it).</summary>
    public void Set(in HostPte pte)
    {
        Map(pte.Shift)[pte.Start.Value] = pte;
        Generation++;
    }

    /// <summary>Removes the leaf that starts exactly at <paramref name="start"/> at that level.</summary>
    public bool Remove(Hva start, int shift)
    {
        Generation++;
        return Map(shift).Remove(start.Value);
    }

    /// <summary>Marks a page as hwpoisoned in the page table (<c>make_hwpoison_entry</c>).</summary>
    public void SetPoisonEntry(Hva hva)
    {
        _poisonEntries.Add(hva.Value & ~(Sizes.PageSize - 1));
        Generation++;
    }

    /// <summary>Drops poison entries in a range (munmap).</summary>
    public void ClearPoisonEntries(Hva start, Hva end) => _poisonEntries.RemoveWhere(h => h >= start.Value && h < end.Value);

    /// <summary>Every leaf intersecting [start, end), in address order.</summary>
    public List<HostPte> LeavesIn(Hva start, Hva end)
    {
        var result = new List<HostPte>();
        Collect(_pud, Sizes.PudSize, start, end, result);
        Collect(_pmd, Sizes.PmdSize, start, end, result);
        Collect(_pte, Sizes.PageSize, start, end, result);
        result.Sort((a, b) => a.Start.CompareTo(b.Start));
        return result;
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

    private Dictionary<ulong, HostPte> Map(int shift) => shift switch
    {
        Sizes.PudShift => _pud,
        Sizes.PmdShift => _pmd,
        Sizes.PageShift => _pte,
        _ => throw new ArgumentOutOfRangeException(nameof(shift)),
    };
}
