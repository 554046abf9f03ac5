using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Stage2;

/// <summary>
/// A guest stage-2 page table with the semantics of <c>arch/arm64/kvm/hyp/pgtable.c</c> (4 KiB granule):
/// the walkers the fault path, the MMU notifiers and dirty logging call. Sequential: each call stands for
/// one walk done under <c>mmu_lock</c>, so compare-and-swap races are not modelled here.
/// </summary>
/// <remarks>
/// Tables are <see cref="TableNode"/> objects holding their 512 entries inline; the start level's
/// concatenated pgd pages are created on first use, so an unmapped 52-bit IPA space costs nothing.
/// Split across partial files by operation family (this file: geometry, lookups, single-leaf updates).
/// </remarks>
public sealed partial class Stage2PageTable
{
    /// <summary><c>KVM_PGTABLE_LAST_LEVEL</c>.</summary>
    public const int LastLevel = 3;

    /// <summary><c>KVM_PGTABLE_MIN_BLOCK_LEVEL</c> for the 4 KiB granule.</summary>
    public const int MinBlockLevel = 1;

    private const int IndexBits = Sizes.PageShift - 3;
    private const ulong IndexMask = (1UL << IndexBits) - 1;

    private readonly TableNode?[] _pgd;
    private readonly int _pgdPageShift;

    /// <summary>Creates an empty table for a VM with <paramref name="ipaBits"/> of IPA space.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="ipaBits"/> is outside 32..52.</exception>
    public Stage2PageTable(int ipaBits)
    {
        if (ipaBits is < 32 or > 52) throw new ArgumentOutOfRangeException(nameof(ipaBits), ipaBits, "IPA size must be 32..52 bits");
        IpaBits = ipaBits;
        IpaSize = 1UL << ipaBits;
        // kvm_get_vtcr: stage2_pgtable_levels(ipa) = ARM64_HW_PGTABLE_LEVELS(ipa - 4), at least 2
        Levels = Math.Max(2, (ipaBits - 4 - 4) / IndexBits);
        StartLevel = LastLevel + 1 - Levels;
        // kvm_pgd_pages: up to 16 concatenated start-level pages
        _pgdPageShift = Sizes.LevelShift(StartLevel) + IndexBits;
        _pgd = new TableNode?[Math.Max(1, (int)(IpaSize >> _pgdPageShift))];
    }

    /// <summary>IPA size in bits (<c>VTCR_EL2.T0SZ</c>).</summary>
    public int IpaBits { get; }

    /// <summary>IPA space size in bytes (<c>BIT(ia_bits)</c>).</summary>
    public ulong IpaSize { get; }

    /// <summary>Level of the first lookup (<c>pgt-&gt;start_level</c>).</summary>
    public int StartLevel { get; }

    /// <summary>Number of lookup levels.</summary>
    public int Levels { get; }

    /// <summary>Entries at the start level, across the concatenated pgd pages.</summary>
    public int StartLevelEntries => (int)(IpaSize >> Sizes.LevelShift(StartLevel));

    /// <summary>Concatenated start-level pages (<c>kvm_pgd_pages</c>).</summary>
    public int PgdPages => _pgd.Length;

    /// <summary>The start-level pages (null where never created), for the oracle's structural checks.</summary>
    internal ReadOnlySpan<TableNode?> Pgd => _pgd;

    /// <summary>log2 of the IPA span of one start-level page.</summary>
    internal int PgdPageShift => _pgdPageShift;

    /// <summary><c>kvm_mmu_cache_min_pages</c>: table pages one fault-path map may need.</summary>
    public int MinCachePages => Levels - 1;

    /// <summary>Bug switches that live in the walkers (<c>block-over-existing-table</c>).</summary>
    public Bugs.BugSet Bugs { get; set; } = ActorKvm.Model.Bugs.BugSet.None;

    /// <summary>Receives change notifications; null for none.</summary>
    public IStage2Observer? Observer { get; set; }

    /// <summary>Table pages currently linked below the start level.</summary>
    public long LiveTablePages { get; private set; }

    /// <summary>Table pages freed so far (collapse, unmap, <see cref="Clear"/>).</summary>
    public long TablePagesFreed { get; private set; }

    /// <summary><c>kvm_pgtable_get_leaf</c>: the valid leaf covering <paramref name="ipa"/>, or the level of the first invalid entry.</summary>
    /// <remarks>An IPA beyond <see cref="IpaSize"/> (the kernel's -ERANGE) reads as invalid at the start level.</remarks>
    public S2Walk GetLeaf(Ipa ipa)
    {
        if (ipa.Value >= IpaSize) return new S2Walk(false, StartLevel, default);
        var node = Descend(ipa.Value, out var idx, out var level);
        if (node is null) return new S2Walk(false, StartLevel, default);
        ref var e = ref node.Entries[idx];
        return e.Leaf ? new S2Walk(true, level, e.ToLeaf(AlignDown(ipa.Value, level), level)) : new S2Walk(false, level, default);
    }

    /// <summary>
    /// <c>kvm_pgtable_stage2_relax_perms</c>: adds the R/W/X bits of <paramref name="prot"/> to the leaf
    /// covering <paramref name="ipa"/> (any level). Never removes a permission and never changes the output,
    /// the memory type, the access flag or the software bits.
    /// </summary>
    /// <returns><see cref="Errno.Ok"/>, or <see cref="Errno.EAGAIN"/> when no valid leaf covers the IPA.</returns>
    public Errno RelaxPerms(Ipa ipa, S2Prot prot)
    {
        CheckIpa(ipa);
        var node = Descend(ipa.Value, out var idx, out var level);
        if (node is null) return Errno.EAGAIN;
        ref var e = ref node.Entries[idx];
        if (!e.Leaf) return Errno.EAGAIN; // stage2_attr_walker: invalid -> -EAGAIN
        var relaxed = e.Prot | prot.Perms();
        if (relaxed != e.Prot)
        {
            var before = e.ToLeaf(AlignDown(ipa.Value, level), level);
            // stage2_attr_walker: invalidate the I-cache for the whole granule before adding executable permission.
            if ((relaxed & S2Prot.X) != 0 && (e.Prot & S2Prot.X) == 0) Observer?.IcacheInvalPou(before.Pfn, before.Size);
            e.Prot = relaxed;
            Observer?.LeafUpdated(before, before with { Prot = relaxed });
        }
        return Errno.Ok;
    }

    /// <summary><c>kvm_pgtable_stage2_mkyoung</c>: sets the access flag of the leaf covering <paramref name="ipa"/> (whole block).</summary>
    /// <returns><see cref="Errno.Ok"/>, or <see cref="Errno.EAGAIN"/> when no valid leaf covers the IPA.</returns>
    public Errno Mkyoung(Ipa ipa)
    {
        CheckIpa(ipa);
        var node = Descend(ipa.Value, out var idx, out var level);
        if (node is null) return Errno.EAGAIN;
        ref var e = ref node.Entries[idx];
        if (!e.Leaf) return Errno.EAGAIN;
        if (!e.Young)
        {
            var before = e.ToLeaf(AlignDown(ipa.Value, level), level);
            e.Young = true;
            Observer?.LeafUpdated(before, before with { Young = true });
        }
        return Errno.Ok;
    }

    /// <summary>
    /// Drops every mapping and table (<c>kvm_pgtable_stage2_destroy</c> as called by
    /// <c>kvm_uninit_stage2_mmu</c>, leaving an empty usable table). Each valid leaf is reported as removed
    /// and each table page counts as freed.
    /// </summary>
    public void Clear()
    {
        for (var p = 0; p < _pgd.Length; p++)
        {
            if (_pgd[p] is not { } page) continue;
            var baseAddr = (ulong)p << _pgdPageShift;
            ReleaseEntries(page, StartLevel, baseAddr);
            _pgd[p] = null;
        }
    }

    /// <summary>Walks to the entry where a lookup of <paramref name="addr"/> stops (a leaf or the first invalid entry).</summary>
    /// <returns>The table holding that entry, or null when the pgd page was never created.</returns>
    private TableNode? Descend(ulong addr, out int idx, out int level)
    {
        level = StartLevel;
        var node = _pgd[addr >> _pgdPageShift];
        idx = 0;
        if (node is null) return null;
        while (true)
        {
            idx = Index(addr, level);
            var child = node.Child(idx);
            if (child is null) return node;
            node = child;
            level++;
        }
    }

    /// <summary>Counts the table pages reachable from the pgd (what <see cref="LiveTablePages"/> must equal unless one leaked).</summary>
    public long CountReachableTables()
    {
        long n = 0;
        foreach (var page in _pgd) if (page is not null) n += CountChildren(page);
        return n;

        static long CountChildren(TableNode node)
        {
            long c = 0;
            for (var i = 0; i < TableNode.PtrsPerTable; i++)
                if (node.Child(i) is { } child) c += 1 + CountChildren(child);
            return c;
        }
    }

    /// <summary>The pgd page covering <paramref name="addr"/>, created on first use (pgd pages are not counted as table pages).</summary>
    private TableNode PgdPage(ulong addr) => _pgd[addr >> _pgdPageShift] ??= new TableNode();

    /// <summary>Frees an unlinked table (<c>free_unlinked_table</c> / <c>stage2_free_walker</c>), reporting every leaf in it.</summary>
    private void FreeTable(TableNode node, int level, ulong baseAddr)
    {
        ReleaseEntries(node, level, baseAddr);
        LiveTablePages--;
        TablePagesFreed++;
    }

    /// <summary>Reports every leaf of <paramref name="node"/> as removed, frees its child tables and empties it.</summary>
    private void ReleaseEntries(TableNode node, int level, ulong baseAddr)
    {
        var shift = Sizes.LevelShift(level);
        var seen = 0;
        for (var i = 0; i < TableNode.PtrsPerTable && seen < node.Live; i++)
        {
            ref var e = ref node.Entries[i];
            if (!e.IsValid) continue;
            seen++;
            var addr = baseAddr + ((ulong)i << shift);
            if (node.Child(i) is { } child) FreeTable(child, level + 1, addr);
            else Observer?.LeafRemoved(e.ToLeaf(addr, level));
            node.Set(i, default);
        }
        node.Live = 0;
    }

    /// <summary>Creates a linked (counted) table page.</summary>
    private TableNode NewTable()
    {
        LiveTablePages++;
        return new TableNode();
    }

    private static int Index(ulong addr, int level) => (int)((addr >> Sizes.LevelShift(level)) & IndexMask);

    private static ulong AlignDown(ulong addr, int level) => addr & ~(Sizes.LevelSize(level) - 1);

    private void CheckIpa(Ipa ipa)
    {
        if (ipa.Value >= IpaSize) throw new ArgumentOutOfRangeException(nameof(ipa), ipa, $"beyond the {IpaBits}-bit IPA space");
    }

    /// <summary>
    /// The walk range of <c>kvm_pgtable_walk</c>: <c>[ALIGN_DOWN(addr, PAGE_SIZE), PAGE_ALIGN(start + size))</c>.
    /// A range beyond the IPA space is the kernel's -ERANGE: a caller bug here.
    /// </summary>
    private (ulong Start, ulong End) WalkRange(Ipa ipa, ulong size)
    {
        var start = ipa.Value & ~(Sizes.PageSize - 1);
        if (size > IpaSize || start + size > IpaSize) throw new ArgumentOutOfRangeException(nameof(size), $"range {ipa}+0x{size:x} is beyond the {IpaBits}-bit IPA space");
        var end = (start + size + Sizes.PageSize - 1) & ~(Sizes.PageSize - 1);
        return (start, end);
    }
}
