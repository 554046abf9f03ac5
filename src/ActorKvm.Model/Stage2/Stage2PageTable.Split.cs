using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Stage2;

public sealed partial class Stage2PageTable
{
    /// <summary>
    /// <c>kvm_pgtable_stage2_split</c> (eager split, write lock): replaces every block intersecting the range with a
    /// table of next-level leaves mapping the same output with the same permissions, memory type and software bits,
    /// down to 4 KiB pages. One memcache page per new table. Notification: <c>LeafRemoved</c> for the block, then
    /// <c>LeafInstalled</c> for each leaf of the new table(s).
    /// </summary>
    /// <returns>
    /// <see cref="Errno.Ok"/>, or <see cref="Errno.ENOMEM"/> when the cache runs out; blocks split so far stay split.
    /// </returns>
    /// <remarks>
    /// As <c>stage2_split_walker</c>: a 1 GiB block is built straight down to pages when the cache holds
    /// <c>PTRS_PER_PTE + 1</c> pages; otherwise it becomes 512 2 MiB blocks (one page) and the walk splits those inside
    /// the range one page each. New leaves get AF set (<c>stage2_set_prot_attr</c>).
    /// </remarks>
    public Errno Split(Ipa ipa, ulong size, KvmMmuMemoryCache mc)
    {
        ArgumentNullException.ThrowIfNull(mc);
        var (start, end) = WalkRange(ipa, size);
        var v = new SplitVisitor { Mc = mc };
        return WalkRange(start, end, ref v);
    }

    /// <summary><c>stage2_block_get_nr_page_tables</c>: pages to rebuild a block at <paramref name="level"/> down to pages.</summary>
    private static int PagesToSplitFully(int level) => level switch
    {
        1 => TableNode.PtrsPerTable + 1,
        2 => 1,
        _ => 0,
    };

    /// <summary>
    /// <c>kvm_pgtable_stage2_create_unlinked</c>: a populated table for the block at <paramref name="level"/>
    /// mapping from <paramref name="pfn"/>, reporting each new leaf.
    /// </summary>
    private TableNode BuildUnlinked(int level, ulong baseAddr, ulong pfn, S2Prot prot, byte sw, bool forcePte, KvmMmuMemoryCache mc)
    {
        if (!mc.TryTake()) throw new InvalidOperationException("split cache checked before building"); // caller counted pages
        var node = NewTable();
        var childLevel = level + 1;
        var shift = Sizes.LevelShift(childLevel);
        var pagesPerEntry = 1UL << (shift - Sizes.PageShift);
        for (var i = 0; i < TableNode.PtrsPerTable; i++)
        {
            var addr = baseAddr + ((ulong)i << shift);
            var childPfn = pfn + (ulong)i * pagesPerEntry;
            ref var e = ref node.Entries[i];
            if (forcePte && childLevel < LastLevel)
            {
                node.Link(i, BuildUnlinked(childLevel, addr, childPfn, prot, sw, forcePte, mc));
            }
            else
            {
                e = S2Entry.MakeLeaf(childPfn, prot, young: true, sw);
                Observer?.LeafInstalled(e.ToLeaf(addr, childLevel));
            }
        }
        node.Live = TableNode.PtrsPerTable;
        return node;
    }

    /// <summary><c>stage2_split_walker</c>.</summary>
    private struct SplitVisitor : ILeafVisitor
    {
        public KvmMmuMemoryCache Mc;

        public readonly bool FreeEmptyTables => false;

        public readonly Errno Leaf(Stage2PageTable pgt, TableNode node, int idx, ref S2Entry e, int level, ulong leafAddr)
        {
            if (level == LastLevel) return Errno.Ok; // no huge pages at the last level
            var nrPages = PagesToSplitFully(level);
            var forcePte = Mc.Count >= nrPages;
            if (!forcePte) nrPages = 1; // one table of next-level blocks; the walk splits them next
            if (Mc.Count < nrPages) return Errno.ENOMEM;

            var block = e.ToLeaf(leafAddr, level);
            pgt.Observer?.LeafRemoved(block);
            // Kernel quirk not copied: kvm_pgtable_stage2_pte_prot drops the memory type, so create_unlinked
            // would rebuild a Device/Normal-NC block as Normal; here the memory type is preserved.
            var table = pgt.BuildUnlinked(level, leafAddr, e.Pfn, e.Prot, e.Sw, forcePte, Mc);
            node.Link(idx, table);
            return Errno.Ok;
        }
    }
}
