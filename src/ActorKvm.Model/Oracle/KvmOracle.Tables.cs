using ActorKvm.Model.Arch;
using ActorKvm.Model.Stage2;

namespace ActorKvm.Model.Oracle;

/// <summary>
/// Rule <c>table-page-accounting</c>: stage-2 table pages come only from a memory cache and are accounted both ways, as
/// <c>stage2_memcache_zalloc_page</c> (<c>kvm_mmu_memory_cache_alloc</c> + <c>kvm_account_pgtable_pages(+1)</c>) and
/// <c>kvm_s2_put_page</c> (<c>kvm_account_pgtable_pages(-1)</c> when the last reference goes) do; a table page's
/// reference count is one plus its valid entries (<c>stage2_make_pte</c> / <c>stage2_put_pte</c>), and
/// <c>stage2_unmap_walker</c> frees, on its TABLE_POST visit, every table in its range left with none.
/// </summary>
public sealed partial class KvmOracle
{
    /// <summary>What a walk's accounting is compared against: the cache's pages handed out, the table's linked and freed pages.</summary>
    public readonly record struct TablePagesBefore(long Taken, long Live, long Freed);

    /// <summary>Snapshot taken before a walk on <paramref name="pgt"/> that may take pages from <paramref name="mc"/>.</summary>
    public static TablePagesBefore TablePages(Stage2PageTable pgt, KvmMmuMemoryCache? mc)
    {
        ArgumentNullException.ThrowIfNull(pgt);
        return new(mc?.PagesConsumed ?? 0, pgt.LiveTablePages, pgt.TablePagesFreed);
    }

    /// <summary>
    /// A walk (<paramref name="what"/>) on <paramref name="pgt"/> with cache <paramref name="mc"/> returned <paramref name="r"/>:
    /// every page it took from the cache became a table page (<c>zalloc_page</c> → <c>kvm_init_table_pte</c>), every table
    /// it dropped was accounted as freed, the cache holds what was allocated into it less what it handed out, and an
    /// -ENOMEM comes from an empty (or missing, or never set up) cache. (In the kernel an empty cache WARNs and falls back to
    /// <c>GFP_ATOMIC</c>; only the model's zero-capacity and failing-allocation knobs make that fail.)
    /// </summary>
    public void TablePagesWalked(string what, Stage2PageTable pgt, KvmMmuMemoryCache? mc, in TablePagesBefore before, Errno r)
    {
        ArgumentNullException.ThrowIfNull(pgt);
        var taken = (mc?.PagesConsumed ?? 0) - before.Taken;
        var linked = pgt.LiveTablePages - before.Live + (pgt.TablePagesFreed - before.Freed);
        if (taken != linked)
            Report(ViolationKind.TablePageAccounting, $"{what} took {taken} page(s) from its memcache but linked {linked} new table page(s) (freed ones counted)");
        if (mc is null) return;
        CheckCache(what, mc);
        if (r == Errno.ENOMEM && mc.Initialised && mc.Count > 0)
            Report(ViolationKind.TablePageAccounting, $"{what} failed with -ENOMEM with {mc.Count} page(s) left in its memcache");
    }

    /// <summary>The cache holds what top-ups allocated into it less what it handed out and freed, never less than nothing.</summary>
    private void CheckCache(string what, KvmMmuMemoryCache mc)
    {
        if (mc.Count < 0 || mc.Count != mc.PagesAllocated - mc.PagesConsumed - mc.PagesFreed)
            Report(ViolationKind.TablePageAccounting, $"{what}: {mc} holds {mc.Count} page(s), but {mc.PagesAllocated} were allocated into it, {mc.PagesConsumed} handed out and {mc.PagesFreed} freed");
    }

    /// <summary>
    /// <c>kvm_pgtable_stage2_unmap</c> of [<paramref name="ipa"/>, +<paramref name="size"/>) returned: its walker visited (TABLE_POST)
    /// every table entry intersecting the range and freed each child left without a valid entry (page count 1), so none is
    /// linked there now. Start-level pages are never freed.
    /// </summary>
    public void CheckUnmappedTables(Stage2PageTable pgt, Ipa ipa, ulong size)
    {
        ArgumentNullException.ThrowIfNull(pgt);
        var start = ipa.Value;
        var end = Math.Min(start + size, pgt.IpaSize);
        var shift = pgt.PgdPageShift;
        var pgd = pgt.Pgd;
        for (var p = (int)(start >> shift); p < pgd.Length && (ulong)p << shift < end; p++)
            if (pgd[p] is { } page) CheckTables(page, pgt.StartLevel, (ulong)p << shift, start, end, whole: false);
    }

    /// <summary>Every linked table of <paramref name="pgt"/>: its live count is its valid entries (at rest, whole-table walk).</summary>
    private void CheckTableCounts(Stage2PageTable pgt)
    {
        var pgd = pgt.Pgd;
        for (var p = 0; p < pgd.Length; p++)
            if (pgd[p] is { } page) CheckTables(page, pgt.StartLevel, (ulong)p << pgt.PgdPageShift, 0, pgt.IpaSize, whole: true);
    }

    /// <summary>
    /// Walks the table entries of <paramref name="node"/> (at <paramref name="level"/>, mapping from <paramref name="baseAddr"/>)
    /// that intersect [start, end): an empty child there is an unfreed table (<paramref name="whole"/> false: after an unmap);
    /// with <paramref name="whole"/>, every node's live count is compared with its valid entries instead.
    /// </summary>
    private void CheckTables(TableNode node, int level, ulong baseAddr, ulong start, ulong end, bool whole)
    {
        var shift = Sizes.LevelShift(level);
        var first = start <= baseAddr ? 0 : (int)((start - baseAddr) >> shift);
        var valid = 0;
        for (var i = first; i < TableNode.PtrsPerTable; i++)
        {
            var addr = baseAddr + ((ulong)i << shift);
            if (addr >= end) break;
            if (!node.Entries[i].IsValid) continue;
            valid++;
            if (node.Child(i) is not { } child) continue;
            if (!whole && child.Live == 0)
                Report(ViolationKind.TablePageAccounting, $"an empty level-{level + 1} table at {new Ipa(addr)} stayed linked after the unmap of {new Ipa(start)}+{Sizes.Format(end - start)} (stage2_unmap_walker frees it)", addr, 1);
            CheckTables(child, level + 1, addr, start, end, whole);
        }
        if (whole && valid != node.Live)
            Report(ViolationKind.TablePageAccounting, $"the level-{level} table at {new Ipa(baseAddr)} counts {node.Live} live entries but holds {valid} valid ones (its page's reference count)", baseAddr, 2);
    }

    /// <summary>At rest: every table's live count, and every memcache's count (each vCPU's and the split cache).</summary>
    private void CheckTablePagesAtRest()
    {
        CheckTableCounts(_kvm.Pgt);
        foreach (var v in _kvm.Vcpus)
        {
            CheckCache($"vcpu {v.Index}", v.MmuPageCache);
            if (v.Nested is { } n) CheckTableCounts(n.Shadow);
        }
        CheckCache("split cache", _kvm.SplitPageCache);
    }
}
