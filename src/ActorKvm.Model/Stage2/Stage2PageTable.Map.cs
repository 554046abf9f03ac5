using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Stage2;

public sealed partial class Stage2PageTable
{
    /// <summary>Largest software-bit value a leaf can carry (bits [58:55]).</summary>
    public const byte MaxSwBits = 0xF;

    /// <summary>Walk state of one <c>kvm_pgtable_stage2_map</c> call (<c>struct stage2_map_data</c> plus the walk cursor).</summary>
    private struct MapWalk
    {
        public ulong Addr;
        public ulong Start;
        public ulong End;
        public ulong Pfn;
        public S2Prot Prot;
        public byte Sw;
        public KvmMmuMemoryCache? Mc;

        /// <summary><c>stage2_map_walker_phys_addr</c>: the output advances with the address.</summary>
        public readonly ulong PfnHere => Pfn + ((Addr - Start) >> Sizes.PageShift);
    }

    /// <summary>
    /// <c>kvm_pgtable_stage2_map</c> as the fault path calls it (<c>HANDLE_FAULT | SHARED</c>): maps
    /// <c>[ipa, ipa + size)</c> to frames from <paramref name="pfn"/> with the largest leaves the alignment of
    /// address, output and remaining size allow, stopping at the first error.
    /// </summary>
    /// <param name="ipa">First IPA (aligned down to a page).</param>
    /// <param name="size">Bytes to map.</param>
    /// <param name="pfn">Frame mapped at <paramref name="ipa"/>.</param>
    /// <param name="prot">Permissions and memory-type selector.</param>
    /// <param name="mc">Memcache for new table pages; null means none may be allocated.</param>
    /// <returns>
    /// <see cref="Errno.Ok"/>; <see cref="Errno.EAGAIN"/> when an existing leaf already maps the same output with the
    /// same attributes, whatever its permissions (the guest re-faults and relaxes); <see cref="Errno.ENOMEM"/> when a
    /// table page is needed and the memcache is missing, uninitialised or empty; <see cref="Errno.EINVAL"/> for X on
    /// Device or Normal-NC memory or both memory-type selectors.
    /// </returns>
    public Errno Map(Ipa ipa, ulong size, Pfn pfn, S2Prot prot, KvmMmuMemoryCache? mc) => Map(ipa, size, pfn, prot, mc, 0);

    /// <summary><see cref="Map(Ipa, ulong, Pfn, S2Prot, KvmMmuMemoryCache?)"/> with software bits on the new leaves.</summary>
    /// <param name="ipa">First IPA (aligned down to a page).</param>
    /// <param name="size">Bytes to map.</param>
    /// <param name="pfn">Frame mapped at <paramref name="ipa"/>.</param>
    /// <param name="prot">Permissions and memory-type selector.</param>
    /// <param name="mc">Memcache for new table pages; null means none may be allocated.</param>
    /// <param name="swBits">Software bits (0..<see cref="MaxSwBits"/>), e.g. the nested level hint.</param>
    /// <returns>As the overload without software bits.</returns>
    public Errno Map(Ipa ipa, ulong size, Pfn pfn, S2Prot prot, KvmMmuMemoryCache? mc, byte swBits)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(swBits, MaxSwBits);
        // stage2_set_prot_attr
        var memType = prot & (S2Prot.Device | S2Prot.NormalNc);
        if (memType == (S2Prot.Device | S2Prot.NormalNc)) return Errno.EINVAL;
        if (memType != 0 && (prot & S2Prot.X) != 0) return Errno.EINVAL;

        var (start, end) = WalkRange(ipa, size);
        var w = new MapWalk
        {
            Addr = start,
            Start = start,
            End = end,
            Pfn = pfn.Value,
            Prot = prot & (S2Prot.PermMask | S2Prot.Device | S2Prot.NormalNc),
            Sw = swBits,
            Mc = mc,
        };
        while (w.Addr < w.End)
        {
            var r = MapTable(PgdPage(w.Addr), StartLevel, ref w);
            if (r != Errno.Ok) return r; // HANDLE_FAULT: -EAGAIN aborts the walk too
        }
        return Errno.Ok;
    }

    /// <summary><c>__kvm_pgtable_walk</c> over one table with the map visitor.</summary>
    private Errno MapTable(TableNode node, int level, ref MapWalk w)
    {
        for (var idx = Index(w.Addr, level); idx < TableNode.PtrsPerTable && w.Addr < w.End; idx++)
        {
            var r = MapVisit(node, idx, level, ref w);
            if (r != Errno.Ok) return r;
        }
        return Errno.Ok;
    }

    /// <summary><c>__kvm_pgtable_visit</c> with <c>stage2_map_walker</c> (TABLE_PRE and LEAF visits).</summary>
    private Errno MapVisit(TableNode node, int idx, int level, ref MapWalk w)
    {
        if (node.Child(idx) is { } table)
        {
            // stage2_map_walk_table_pre: collapse the table when a leaf fits here, else descend
            if (!LeafAllowed(level, ref w)) return MapTable(table, level + 1, ref w);
        }
        else
        {
            // stage2_map_walk_leaf
            if (!LeafAllowed(level, ref w)) return SplitForMap(node, idx, level, ref w);
        }
        var r = TryLeaf(node, idx, level, ref w);
        if (r == Errno.Ok) w.Addr = AlignDown(w.Addr, level) + Sizes.LevelSize(level);
        return r;
    }

    /// <summary>
    /// <c>stage2_leaf_mapping_allowed</c> / <c>kvm_block_mapping_supported</c>: blocks from level 1, address
    /// and output aligned to the level's granule, and at least one granule left to map.
    /// </summary>
    private static bool LeafAllowed(int level, ref MapWalk w)
    {
        if (level < MinBlockLevel) return false;
        var granule = Sizes.LevelSize(level);
        if (granule > w.End - w.Addr) return false;
        if ((w.PfnHere & ((granule >> Sizes.PageShift) - 1)) != 0) return false;
        return (w.Addr & (granule - 1)) == 0;
    }

    /// <summary><c>stage2_map_walker_try_leaf</c>: installs the leaf at an entry where one is allowed.</summary>
    private Errno TryLeaf(TableNode node, int idx, int level, ref MapWalk w)
    {
        ref var e = ref node.Entries[idx];
        var leafAddr = w.Addr; // aligned: LeafAllowed checked it
        var fresh = S2Entry.MakeLeaf(w.PfnHere, w.Prot, young: true, w.Sw); // stage2_set_prot_attr sets AF

        if (e.Leaf)
        {
            var sameOutput = e.Pfn == fresh.Pfn && MemBits(e.Prot) == MemBits(fresh.Prot) && e.Young;
            // stage2_pte_needs_update: only R/W/XN differ (or nothing) -> leave it to relax_perms
            if (sameOutput && e.Sw == fresh.Sw) return Errno.EAGAIN;
            var old = e.ToLeaf(leafAddr, level);
            // stage2_try_break_pte, the CMOs, stage2_make_pte. The in-place store when only software bits differ is
            // for exclusive walks only (!kvm_pgtable_walk_shared); the fault path's walk is shared, so it breaks too.
            IcacheInvalIfExec(ref w, level);
            e = fresh;
            Observer?.LeafRemoved(old);
            Observer?.LeafInstalled(e.ToLeaf(leafAddr, level));
            return Errno.Ok;
        }

        if (node.Child(idx) is { } table)
        {
            if (Bugs.IsOn(ActorKvm.Model.Bugs.BlockOverExistingTable.Name))
            {
                // Before 3c3736cd32bf (and again before 3a0b870e3448): the block descriptor is written over the table
                // pointer in place; the table page and its leaves (and their TLB entries) are never released.
                IcacheInvalIfExec(ref w, level);
                node.Set(idx, fresh);
                Observer?.LeafInstalled(e.ToLeaf(leafAddr, level));
                return Errno.Ok;
            }
            // table -> block collapse: break the table entry, install the leaf, free the detached tables.
            // Leaves under the old table are reported before the new leaf so an observer never sees overlap.
            IcacheInvalIfExec(ref w, level);
            node.Set(idx, fresh);
            FreeTable(table, level + 1, leafAddr);
            Observer?.LeafInstalled(e.ToLeaf(leafAddr, level));
            return Errno.Ok;
        }

        IcacheInvalIfExec(ref w, level);
        e = fresh;
        node.Live++;
        Observer?.LeafInstalled(e.ToLeaf(leafAddr, level));
        return Errno.Ok;
    }

    /// <summary>
    /// <c>stage2_map_walker_try_leaf</c>'s I-cache CMO: <c>icache_inval_pou</c> over the granule before an executable leaf
    /// is made (the eager <see cref="Split"/> creates its tables with <c>KVM_PGTABLE_WALK_SKIP_CMO</c> and does none).
    /// </summary>
    private void IcacheInvalIfExec(ref MapWalk w, int level)
    {
        if ((w.Prot & S2Prot.X) != 0) Observer?.IcacheInvalPou(new Pfn(w.PfnHere), Sizes.LevelSize(level));
    }

    /// <summary>
    /// The -E2BIG half of <c>stage2_map_walk_leaf</c>: the request is smaller than this level's granule, so the
    /// entry (invalid or a block) becomes an empty table taken from the memcache and the walk descends. The rest of
    /// an old block is dropped and faulted back lazily; eager <see cref="Split"/> preserves it instead.
    /// </summary>
    private Errno SplitForMap(TableNode node, int idx, int level, ref MapWalk w)
    {
        if (level == LastLevel) throw new InvalidOperationException("no leaf allowed at the last level"); // WARN_ON in the kernel
        if (!TakeTablePage(w.Mc)) return Errno.ENOMEM;

        ref var e = ref node.Entries[idx];
        var table = NewTable();
        if (e.Leaf)
        {
            var old = e.ToLeaf(AlignDown(w.Addr, level), level);
            node.Link(idx, table);
            Observer?.LeafRemoved(old);
        }
        else
        {
            node.Link(idx, table);
            node.Live++;
        }
        return MapTable(table, level + 1, ref w);
    }

    /// <summary>
    /// A split done by a walker that does not own the entry (shared lock, no locked-PTE protocol): on the strength
    /// of having seen a block at <paramref name="blockIpa"/>, it writes a fresh table holding one page leaf for
    /// <paramref name="leafIpa"/> into the entry without re-reading it, so whatever another walker installed there
    /// meanwhile (a table with its leaves) is overwritten and never freed.
    /// </summary>
    /// <returns><see cref="Errno.Ok"/>, or <see cref="Errno.ENOMEM"/> without a usable memcache page.</returns>
    public Errno SplitBlockUnowned(Ipa blockIpa, int level, Ipa leafIpa, Pfn pfn, S2Prot prot, KvmMmuMemoryCache? mc)
    {
        if (level >= LastLevel || level < StartLevel) throw new ArgumentOutOfRangeException(nameof(level));
        if (!TakeTablePage(mc)) return Errno.ENOMEM;
        var node = PgdPage(blockIpa.Value);
        for (var l = StartLevel; l < level; l++)
        {
            var next = node.Child(Index(blockIpa.Value, l));
            if (next is null) return Errno.EAGAIN; // no block there any more: nothing to split
            node = next;
        }
        var blockIdx = Index(blockIpa.Value, level);
        ref var e = ref node.Entries[blockIdx];
        var baseAddr = AlignDown(blockIpa.Value, level);
        if (e.Leaf) Observer?.LeafRemoved(e.ToLeaf(baseAddr, level));
        else if (!e.IsValid) node.Live++;
        var table = NewTable();
        var childLevel = level + 1;
        ref var child = ref table.Entries[Index(leafIpa.Value, childLevel)];
        if ((prot & S2Prot.X) != 0) Observer?.IcacheInvalPou(pfn, Sizes.LevelSize(level + 1));
        child = S2Entry.MakeLeaf(pfn.Value, prot & (S2Prot.PermMask | S2Prot.Device | S2Prot.NormalNc), young: true, 0);
        table.Live = 1;
        node.Link(blockIdx, table);
        Observer?.LeafInstalled(child.ToLeaf(AlignDown(leafIpa.Value, childLevel), childLevel));
        return Errno.Ok;
    }

    /// <summary>
    /// <c>mm_ops-&gt;zalloc_page</c> (<c>kvm_mmu_memory_cache_alloc</c>) for a new table: from the cache, or after a WARN
    /// from the page allocator. False (the walk's -ENOMEM) without a cache, with one never set up (reported: kernel fix
    /// 157dbc4a321f), or when the model's knobs make the allocation fail.
    /// </summary>
    private bool TakeTablePage(KvmMmuMemoryCache? mc)
    {
        if (mc is null) return false;
        if (!mc.Initialised)
        {
            Observer?.UninitialisedMemcacheUsed();
            return false;
        }
        if (mc.TryTake()) return true;
        if (!mc.TryTakeAtomic()) return false;
        Observer?.EmptyMemcacheAlloc();
        return true;
    }

    private static S2Prot MemBits(S2Prot prot) => prot & (S2Prot.Device | S2Prot.NormalNc);
}
