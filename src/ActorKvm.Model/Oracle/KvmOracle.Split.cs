using ActorKvm.Model.Arch;
using ActorKvm.Model.Stage2;

namespace ActorKvm.Model.Oracle;

/// <summary>
/// Rules <c>split-changed-mapping</c> (a split changes leaf sizes, never what the guest reaches),
/// <c>split-cache-overrun</c> (one split walk fits the split cache the kernel sizes for a chunk) and the split's shape
/// under <c>block-after-eager-split</c> (a block the cache can rebuild whole becomes pages).
/// </summary>
public sealed partial class KvmOracle
{
    private readonly List<S2Leaf> _splitBefore = [];
    private readonly List<S2Leaf> _splitAfter = [];
    private (KvmMmuMemoryCache? Cache, int Consumed, int Free) _splitCache;
    private (Ipa Start, Ipa End) _splitRange;

    /// <summary>
    /// <c>kvm_pgtable_stage2_split</c> is about to run over [<paramref name="ipa"/>, +<paramref name="size"/>): remember its
    /// leaves and how many pages <paramref name="cache"/> (the split cache, when known) has handed out.
    /// </summary>
    public void SplitStarting(Ipa ipa, ulong size, KvmMmuMemoryCache? cache = null)
    {
        _splitBefore.Clear();
        _kvm.Pgt.CollectLeaves(ipa, size, _splitBefore);
        _splitCache = (cache, cache?.PagesConsumed ?? 0, cache?.Count ?? 0);
        _splitRange = (ipa, ipa + size);
    }

    /// <summary>
    /// Rule <c>split-cache-overrun</c>: <c>kvm_mmu_split_huge_pages</c> tops the split cache up to
    /// <c>kvm_mmu_split_nr_page_tables(chunk)</c> — its capacity — and walks one chunk at a time, so one split walk never
    /// takes more pages than that; a walk that needs more fails with -ENOMEM in the kernel and leaves blocks behind. And
    /// no walk starts with fewer: <c>need_split_memcache_topup_or_resched</c> tops up whenever the cache is below that.
    /// </summary>
    private void CheckSplitCacheUse()
    {
        var chunk = _kvm.Config.EagerSplitChunk;
        if (_splitCache.Cache is not { } cache || chunk == 0) return;
        var used = cache.PagesConsumed - _splitCache.Consumed;
        var budget = (chunk + Sizes.PudSize - 1) / Sizes.PudSize + (chunk + Sizes.PmdSize - 1) / Sizes.PmdSize;
        if ((ulong)_splitCache.Free < budget)
            Report(ViolationKind.SplitCacheOverrun, $"an eager-split walk started with {_splitCache.Free} page(s) in the split cache, fewer than the {budget} kvm_mmu_split_nr_page_tables({Sizes.Format(chunk)}) it is topped up to", (ulong)_splitCache.Free + 1, 21);
        if ((ulong)used > budget)
            Report(ViolationKind.SplitCacheOverrun, $"one eager-split walk took {used} table pages, more than the {budget} kvm_mmu_split_nr_page_tables({Sizes.Format(chunk)}) allows", (ulong)used, 20);
    }

    /// <summary>
    /// Rule <c>split-changed-mapping</c>: <c>stage2_split_walker</c> replaces each block by the table
    /// <c>kvm_pgtable_stage2_create_unlinked</c> fills for the same output address and attributes, so every page a leaf
    /// mapped before the split is mapped after it, to the same pfn, with the same permissions and memory type (only the
    /// leaf size and the access flag may change). The leaves that replace a block are young — <c>create_unlinked</c> builds
    /// them with <c>stage2_set_prot_attr</c>, which sets the AF whatever the block's — and keep its software bits
    /// (<c>kvm_pgtable_stage2_pte_prot</c> carries <c>KVM_PTE_LEAF_ATTR_HI_SW</c>). A split the cache cut short leaves
    /// the blocks it did not reach as they were, which holds too.
    /// </summary>
    public void SplitFinished()
    {
        CheckSplitCacheUse();
        if (_splitBefore.Count == 0) return;
        var lo = _splitBefore[0].Ipa;
        var hi = _splitBefore[^1].End;
        _splitAfter.Clear();
        _kvm.Pgt.CollectLeaves(lo, hi - lo, _splitAfter);
        CheckSplitShape();
        var a = 0;
        foreach (var before in _splitBefore)
        {
            // The leaves after the split that lie in this one, in IPA order: they must tile it exactly.
            var next = before.Ipa;
            while (a < _splitAfter.Count && _splitAfter[a].Ipa < before.End)
            {
                var after = _splitAfter[a++];
                var pfn = before.Pfn + ((after.Ipa - before.Ipa) >> Sizes.PageShift);
                if (after.Ipa != next || after.End > before.End || after.Pfn != pfn || after.Perms != before.Perms || after.MemType != before.MemType
                    || (after.Size < before.Size && (!after.Young || after.SwBits != before.SwBits)))
                {
                    SplitChanged(before, $"{Describe(after)} where it mapped {Describe(before)}");
                    return;
                }
                next = after.End;
            }
            if (next != before.End)
            {
                SplitChanged(before, $"nothing at {next} where it mapped {Describe(before)}");
                return;
            }
        }
    }

    /// <summary>
    /// Rule <c>block-after-eager-split</c>, the split's shape: <c>stage2_split_walker</c> builds a block straight down to
    /// pages when the cache still holds <c>stage2_block_get_nr_page_tables</c> pages (<c>nobjs &gt;= nr_pages</c>: 513
    /// for a 1G block, exactly what a 1G chunk's top-up gives); otherwise a 1G block becomes 2M blocks (one page) and
    /// only those inside the range are split next. The cache is replayed over the blocks in walk order; a 1G block it
    /// could rebuild whole must hold no 2M block afterwards, even outside the range.
    /// </summary>
    private void CheckSplitShape()
    {
        if (_splitCache.Cache is null) return;
        var free = _splitCache.Free;
        var a = 0;
        foreach (var before in _splitBefore)
        {
            if (!before.IsBlock) continue;
            if (before.Size == Sizes.PudSize && free >= TableNode.PtrsPerTable + 1)
            {
                free -= TableNode.PtrsPerTable + 1;
                while (a < _splitAfter.Count && _splitAfter[a].Ipa < before.End)
                {
                    var after = _splitAfter[a++];
                    if (after.Ipa >= before.Ipa && after.IsBlock)
                    {
                        Report(ViolationKind.BlockAfterEagerSplit, $"block {Describe(after)} is left inside {Describe(before)}, which the split cache ({_splitCache.Free} pages) could rebuild down to pages", after.Ipa.Value, 9);
                        return;
                    }
                }
                continue;
            }
            // One table page for the block, then one per 2M block of a 1G block that lies in the range.
            var lo = before.Ipa > _splitRange.Start ? before.Ipa : _splitRange.Start;
            var hi = before.End < _splitRange.End ? before.End : _splitRange.End;
            var pmds = (hi.Value + Sizes.PmdSize - 1) / Sizes.PmdSize - lo.Value / Sizes.PmdSize;
            free -= before.Size == Sizes.PudSize ? 1 + (int)pmds : 1;
            if (free < 0) return; // the walk ran out of pages here: what is left is the cut's business
        }
    }

    private void SplitChanged(in S2Leaf before, string what) =>
        Report(ViolationKind.SplitChangedMapping, $"stage-2 split left {what}", before.Ipa.Value, 16);
}
