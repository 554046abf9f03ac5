using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Stage2;

public sealed partial class Stage2PageTable
{
    /// <summary>
    /// A LEAF visitor for <see cref="WalkRange{TVisitor}"/>, called for each valid leaf the walk meets. A struct
    /// implementing it is passed by reference so visits are direct calls without closures.
    /// </summary>
    private interface ILeafVisitor
    {
        /// <summary>
        /// TABLE_POST: free a child table once the walk leaves it empty (<c>stage2_unmap_walker</c>).
        /// </summary>
        bool FreeEmptyTables { get; }

        /// <summary>Visits one valid leaf starting at <paramref name="leafAddr"/>; a non-Ok result aborts the walk.</summary>
        Errno Leaf(Stage2PageTable pgt, TableNode node, int idx, ref S2Entry e, int level, ulong leafAddr);
    }

    /// <summary>
    /// <c>kvm_pgtable_stage2_unmap</c>: removes every valid leaf intersecting the range (a block entirely, even when
    /// the range covers only part of it) and frees table pages the walk leaves empty. Start-level pages stay.
    /// </summary>
    public void Unmap(Ipa ipa, ulong size)
    {
        var (start, end) = WalkRange(ipa, size);
        var v = new UnmapVisitor();
        WalkRange(start, end, ref v);
    }

    /// <summary><c>kvm_pgtable_stage2_wrprotect</c>: clears W on every valid leaf intersecting the range (whole blocks).</summary>
    /// <returns>True when some leaf lost W.</returns>
    public bool WrProtect(Ipa ipa, ulong size)
    {
        var (start, end) = WalkRange(ipa, size);
        var v = new WrProtectVisitor();
        WalkRange(start, end, ref v);
        return v.Changed;
    }

    /// <summary><c>kvm_pgtable_stage2_test_clear_young</c>: whether any valid leaf intersecting the range has AF set; clears AF when <paramref name="mkold"/>.</summary>
    public bool TestClearYoung(Ipa ipa, ulong size, bool mkold)
    {
        var (start, end) = WalkRange(ipa, size);
        var v = new AgeVisitor { MkOld = mkold };
        WalkRange(start, end, ref v);
        return v.Young;
    }

    /// <summary>Appends every valid leaf intersecting <c>[start, start + size)</c> to <paramref name="into"/>, in IPA order. The range is clipped to the IPA space.</summary>
    public void CollectLeaves(Ipa start, ulong size, List<S2Leaf> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (size == 0 || start.Value >= IpaSize) return;
        var end = size > IpaSize - start.Value ? IpaSize : start.Value + size;
        var v = new CollectVisitor { Into = into };
        WalkRange(start.Value & ~(Sizes.PageSize - 1), end, ref v);
    }

    /// <summary><c>_kvm_pgtable_walk</c> with a LEAF (and optional TABLE_POST) visitor over <c>[start, end)</c>; page-aligned bounds.</summary>
    private Errno WalkRange<TVisitor>(ulong start, ulong end, ref TVisitor v) where TVisitor : struct, ILeafVisitor
    {
        var addr = start;
        while (addr < end)
        {
            var page = _pgd[addr >> _pgdPageShift];
            if (page is null)
            {
                addr = ((addr >> _pgdPageShift) + 1) << _pgdPageShift; // nothing mapped in this pgd page
                continue;
            }
            var r = WalkNode(page, StartLevel, ref addr, end, ref v);
            if (r != Errno.Ok) return r;
        }
        return Errno.Ok;
    }

    /// <summary><c>__kvm_pgtable_walk</c>: visits the entries of one table from <paramref name="addr"/> and advances it.</summary>
    private Errno WalkNode<TVisitor>(TableNode node, int level, ref ulong addr, ulong end, ref TVisitor v) where TVisitor : struct, ILeafVisitor
    {
        var granule = Sizes.LevelSize(level);
        for (var idx = Index(addr, level); idx < TableNode.PtrsPerTable && addr < end; idx++)
        {
            ref var e = ref node.Entries[idx];
            if (e.Leaf)
            {
                var r = v.Leaf(this, node, idx, ref e, level, addr & ~(granule - 1));
                if (r != Errno.Ok) return r;
            }
            // reload: a visitor may have replaced the leaf with a table (eager split) that the walk now enters
            if (node.Child(idx) is { } child)
            {
                var r = WalkNode(child, level + 1, ref addr, end, ref v);
                if (r != Errno.Ok) return r;
                if (v.FreeEmptyTables && child.Live == 0)
                {
                    node.Set(idx, default);
                    node.Live--;
                    LiveTablePages--;
                    TablePagesFreed++;
                }
                continue; // the child walk advanced addr
            }
            addr = (addr & ~(granule - 1)) + granule;
        }
        return Errno.Ok;
    }

    /// <summary><c>stage2_unmap_walker</c>.</summary>
    private struct UnmapVisitor : ILeafVisitor
    {
        public readonly bool FreeEmptyTables => true;

        public readonly Errno Leaf(Stage2PageTable pgt, TableNode node, int idx, ref S2Entry e, int level, ulong leafAddr)
        {
            var old = e.ToLeaf(leafAddr, level);
            e = default;
            node.Live--;
            pgt.Observer?.LeafRemoved(old);
            return Errno.Ok;
        }
    }

    /// <summary><c>stage2_attr_walker</c> clearing S2AP_W.</summary>
    private struct WrProtectVisitor : ILeafVisitor
    {
        public bool Changed;

        public readonly bool FreeEmptyTables => false;

        public Errno Leaf(Stage2PageTable pgt, TableNode node, int idx, ref S2Entry e, int level, ulong leafAddr)
        {
            if ((e.Prot & S2Prot.W) == 0) return Errno.Ok;
            var before = e.ToLeaf(leafAddr, level);
            e.Prot &= ~S2Prot.W;
            Changed = true;
            pgt.Observer?.LeafUpdated(before, before with { Prot = e.Prot });
            return Errno.Ok;
        }
    }

    /// <summary><c>stage2_age_walker</c>.</summary>
    private struct AgeVisitor : ILeafVisitor
    {
        public bool MkOld;
        public bool Young;

        public readonly bool FreeEmptyTables => false;

        public Errno Leaf(Stage2PageTable pgt, TableNode node, int idx, ref S2Entry e, int level, ulong leafAddr)
        {
            if (!e.Young) return Errno.Ok;
            Young = true;
            if (MkOld)
            {
                var before = e.ToLeaf(leafAddr, level);
                e.Young = false;
                pgt.Observer?.LeafUpdated(before, before with { Young = false });
            }
            return Errno.Ok;
        }
    }

    /// <summary>Gathers leaves for <see cref="CollectLeaves"/>.</summary>
    private struct CollectVisitor : ILeafVisitor
    {
        public List<S2Leaf> Into;

        public readonly bool FreeEmptyTables => false;

        public readonly Errno Leaf(Stage2PageTable pgt, TableNode node, int idx, ref S2Entry e, int level, ulong leafAddr)
        {
            Into.Add(e.ToLeaf(leafAddr, level));
            return Errno.Ok;
        }
    }
}
