using ActorKvm.Model.Arch;
using ActorKvm.Model.Stage2;

namespace ActorKvm.Model.Oracle;

/// <summary>
/// Rules <c>split-changed-mapping</c> (a split changes leaf sizes, never what the guest reaches) and
/// <c>split-cache-overrun</c> (one split walk fits the split cache the kernel sizes for a chunk).
/// </summary>
public sealed partial class KvmOracle
{
    private readonly List<S2Leaf> _splitBefore = [];
    private readonly List<S2Leaf> _splitAfter = [];
    private (KvmMmuMemoryCache? Cache, int Consumed) _splitCache;

    /// <summary>
    /// <c>kvm_pgtable_stage2_split</c> is about to run over [<paramref name="ipa"/>, +<paramref name="size"/>): remember its
    /// leaves and how many pages <paramref name="cache"/> (the split cache, when known) has handed out.
    /// </summary>
    public void SplitStarting(Ipa ipa, ulong size, KvmMmuMemoryCache? cache = null)
    {
        _splitBefore.Clear();
        _kvm.Pgt.CollectLeaves(ipa, size, _splitBefore);
        _splitCache = (cache, cache?.PagesConsumed ?? 0);
    }

    /// <summary>
    /// Rule <c>split-cache-overrun</c>: <c>kvm_mmu_split_huge_pages</c> tops the split cache up to
    /// <c>kvm_mmu_split_nr_page_tables(chunk)</c> — its capacity — and walks one chunk at a time, so one split walk never
    /// takes more pages than that; a walk that needs more fails with -ENOMEM in the kernel and leaves blocks behind.
    /// </summary>
    private void CheckSplitCacheUse()
    {
        var chunk = _kvm.Config.EagerSplitChunk;
        if (_splitCache.Cache is not { } cache || chunk == 0) return;
        var used = cache.PagesConsumed - _splitCache.Consumed;
        var budget = (chunk + Sizes.PudSize - 1) / Sizes.PudSize + (chunk + Sizes.PmdSize - 1) / Sizes.PmdSize;
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

    private void SplitChanged(in S2Leaf before, string what) =>
        Report(ViolationKind.SplitChangedMapping, $"stage-2 split left {what}", before.Ipa.Value, 16);
}
