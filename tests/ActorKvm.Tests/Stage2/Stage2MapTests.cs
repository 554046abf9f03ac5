using ActorKvm.Model.Arch;
using ActorKvm.Model.Stage2;
using static ActorKvm.Tests.Stage2.S2;

namespace ActorKvm.Tests.Stage2;

public class Stage2MapTests
{
    [Fact]
    public void Map2MWithAlignedPfn_InstallsOneYoungBlock()
    {
        var (pgt, obs) = Table();
        var mc = Cache(4);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x4020_0000), M2, Pfn(0x800), S2Prot.RW, mc));
        var leaf = Assert.Single(Leaves(pgt));
        Assert.Equal(new S2Leaf(Ipa(0x4020_0000), 2, Pfn(0x800), S2Prot.RW, true, 0), leaf);
        Assert.True(leaf.IsBlock);
        Assert.Equal(M2, leaf.Size);
        Assert.Equal(Pfn(0x9ff), leaf.PfnAt(Ipa(0x403f_f123)));
        Assert.Equal(1, mc.PagesConsumed); // one L2 table below the 40-bit L1 start
        Assert.Equal(new[] { leaf }, obs.Installed);
    }

    [Fact]
    public void MapOfAPfnBeyondA60BitPhysicalAddress_IsRefused()
    {
        // A descriptor holds 48 bits of pfn (arm64 physical addresses have at most 52 bits); the highest one round-trips.
        var (pgt, _) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x4000_0000), K4, Pfn((1UL << 48) - 1), S2Prot.RW, Cache(4)));
        Assert.Equal(Pfn((1UL << 48) - 1), Assert.Single(Leaves(pgt)).Pfn);
        Assert.Throws<ArgumentOutOfRangeException>(() => pgt.Map(Ipa(0x4000_1000), K4, Pfn(1UL << 48), S2Prot.RW, Cache(4)));
    }

    [Fact]
    public void Map2MWithUnalignedPfn_Installs512PagesWithAdvancingOutput()
    {
        var (pgt, obs) = Table();
        var mc = Cache(4);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x4020_0000), M2, Pfn(0x801), S2Prot.R, mc));
        var leaves = Leaves(pgt);
        Assert.Equal(512, leaves.Count);
        for (var i = 0; i < 512; i++)
        {
            Assert.Equal(3, leaves[i].Level);
            Assert.Equal(Ipa(0x4020_0000 + (ulong)i * K4), leaves[i].Ipa);
            Assert.Equal(Pfn(0x801 + (ulong)i), leaves[i].Pfn);
        }
        Assert.Equal(2, mc.PagesConsumed);
        Assert.Equal(512, obs.Installed.Count);
    }

    [Fact]
    public void Map1GAlignedOn40BitIpa_InstallsAStartLevelBlockWithoutTables()
    {
        var (pgt, _) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(3 * G1), G1, Pfn(0x40000), S2Prot.RWX, null));
        var leaf = Assert.Single(Leaves(pgt));
        Assert.Equal(1, leaf.Level);
        Assert.Equal(0, pgt.LiveTablePages);
    }

    [Fact]
    public void MapUnalignedRange_UsesTheLargestLeafEachStepAllows()
    {
        var (pgt, _) = Table();
        // 4K page, then a 2M block, then a 4K page: ipa and pfn move together
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x1f_f000), M2 + 2 * K4, Pfn(0x1ff), S2Prot.RW, Cache(4)));
        var leaves = Leaves(pgt);
        Assert.Equal(new[] { 3, 2, 3 }, leaves.Select(l => l.Level));
        Assert.Equal(Pfn(0x200), leaves[1].Pfn);
        Assert.Equal(Pfn(0x400), leaves[2].Pfn);
    }

    [Fact]
    public void MapBlockOverTableOfPages_CollapsesAndFreesTheTable()
    {
        var (pgt, obs) = Table();
        var mc = Cache(4);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x20_0000), 4 * K4, Pfn(0x1001), S2Prot.R, mc));
        Assert.Equal(2, pgt.LiveTablePages);
        obs.Reset();

        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x20_0000), M2, Pfn(0x1000), S2Prot.RW, mc));
        Assert.Equal(1, pgt.TablePagesFreed);
        Assert.Equal(1, pgt.LiveTablePages);
        Assert.Equal(4, obs.Removed.Count);
        Assert.Equal(new S2Leaf(Ipa(0x20_0000), 2, Pfn(0x1000), S2Prot.RW, true, 0), Assert.Single(obs.Installed));
        Assert.Equal(obs.Installed, Leaves(pgt));
        Assert.Equal(2, mc.PagesConsumed);
    }

    [Fact]
    public void Map1GOverNestedTables_CollapsesAndFreesEveryTableBelow()
    {
        var (pgt, obs) = Table();
        var mc = Cache(8);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(G1), K4, Pfn(1), S2Prot.R, mc));
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(G1 + M2), K4, Pfn(2), S2Prot.R, mc));
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(G1 + 4 * M2), M2, Pfn(0x400), S2Prot.R, mc));
        Assert.Equal(3, pgt.LiveTablePages);

        Assert.Equal(Errno.Ok, pgt.Map(Ipa(G1), G1, Pfn(0x40000), S2Prot.RW, mc));
        Assert.Equal(3, pgt.TablePagesFreed);
        Assert.Equal(0, pgt.LiveTablePages);
        Assert.Equal(1, Assert.Single(Leaves(pgt)).Level);
        Assert.Equal(3, obs.Removed.Count);
    }

    [Fact]
    public void MapPageInsideBlock_SplitsToEmptyTableAndDropsTheRestOfTheBlock()
    {
        var (pgt, obs) = Table();
        var mc = Cache(4);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x20_0000), M2, Pfn(0x1000), S2Prot.R, mc));
        var block = Assert.Single(Leaves(pgt));
        obs.Reset();
        var before = mc.PagesConsumed;

        // a write fault while logging maps one writable page in the block
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x20_5000), K4, Pfn(0x1005), S2Prot.RW, mc));
        Assert.Equal(before + 1, mc.PagesConsumed);
        Assert.Equal(new[] { block }, obs.Removed);
        var page = Assert.Single(Leaves(pgt));
        Assert.Equal(new S2Leaf(Ipa(0x20_5000), 3, Pfn(0x1005), S2Prot.RW, true, 0), page);
        Assert.Equal(new S2Walk(false, 3, default), pgt.GetLeaf(Ipa(0x20_4000))); // rest is faulted back lazily
    }

    [Fact]
    public void MapIdenticalLeaf_ReturnsEagainAndChangesNothing()
    {
        var (pgt, obs) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x20_0000), M2, Pfn(0x1000), S2Prot.RW, Cache(4)));
        obs.Reset();
        Assert.Equal(Errno.EAGAIN, pgt.Map(Ipa(0x20_0000), M2, Pfn(0x1000), S2Prot.RW, Cache(4)));
        Assert.Empty(obs.Installed);
        Assert.Empty(obs.Removed);
        Assert.Empty(obs.Updated);
    }

    [Theory]
    [InlineData(S2Prot.RWX)]
    [InlineData(S2Prot.R)]
    [InlineData(S2Prot.None)]
    public void MapIdenticalLeafWithOtherPerms_ReturnsEagainAndChangesNothing(S2Prot prot)
    {
        var (pgt, obs) = Table();
        var mc = Cache(4);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), K4, Pfn(0x77), S2Prot.RW, mc));
        obs.Reset();
        Assert.Equal(Errno.EAGAIN, pgt.Map(Ipa(0x5000), K4, Pfn(0x77), prot, mc));
        Assert.Equal(S2Prot.RW, pgt.GetLeaf(Ipa(0x5000)).Leaf.Prot);
        Assert.Empty(obs.Installed);
        Assert.Empty(obs.Updated);
    }

    [Fact]
    public void MapEagain_AbortsTheRestOfTheWalk()
    {
        var (pgt, _) = Table();
        var mc = Cache(4);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), K4, Pfn(0x77), S2Prot.R, mc));
        Assert.Equal(Errno.EAGAIN, pgt.Map(Ipa(0x5000), 2 * K4, Pfn(0x77), S2Prot.R, mc));
        Assert.False(pgt.GetLeaf(Ipa(0x6000)).Valid);
    }

    [Fact]
    public void MapOtherOutput_BreaksBeforeMake()
    {
        var (pgt, obs) = Table();
        var mc = Cache(4);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), K4, Pfn(0x77), S2Prot.RW, mc));
        var old = obs.Installed[0];
        obs.Reset();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), K4, Pfn(0x99), S2Prot.R, mc));
        Assert.Equal(new[] { old }, obs.Removed);
        Assert.Equal(new S2Leaf(Ipa(0x5000), 3, Pfn(0x99), S2Prot.R, true, 0), Assert.Single(obs.Installed));
    }

    [Fact]
    public void MapOtherMemType_BreaksBeforeMake()
    {
        var (pgt, obs) = Table();
        var mc = Cache(4);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), K4, Pfn(0x77), S2Prot.RW, mc));
        obs.Reset();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), K4, Pfn(0x77), S2Prot.RW | S2Prot.Device, mc));
        Assert.Single(obs.Removed);
        Assert.Equal(MemType.Device, Assert.Single(obs.Installed).MemType);
    }

    [Fact]
    public void MapOverOldLeaf_ReplacesItYoungBecauseAfDiffers()
    {
        var (pgt, obs) = Table();
        var mc = Cache(4);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), K4, Pfn(0x77), S2Prot.R, mc));
        Assert.True(pgt.TestClearYoung(Ipa(0x5000), K4, mkold: true));
        obs.Reset();
        // stage2_pte_needs_update ignores only R/W/XN: a cleared AF is a real difference
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), K4, Pfn(0x77), S2Prot.R, mc));
        Assert.Single(obs.Removed);
        Assert.True(Assert.Single(obs.Installed).Young);
    }

    [Fact]
    public void MapOnlySoftwareBitsDiffer_BreaksBeforeMakeOnTheSharedWalk()
    {
        // stage2_map_walker_try_leaf stores software bits in place only when !kvm_pgtable_walk_shared(ctx).
        var (pgt, obs) = Table();
        var mc = Cache(4);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), K4, Pfn(0x77), S2Prot.RW, mc, swBits: 3));
        obs.Reset();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), K4, Pfn(0x77), S2Prot.RW, mc));
        Assert.Empty(obs.Updated);
        Assert.Equal(3, Assert.Single(obs.Removed).SwBits);
        var now = Assert.Single(obs.Installed);
        Assert.Equal(0, now.SwBits);
        Assert.True(now.Young);
    }

    [Fact]
    public void MapSameSoftwareBitsOtherPerms_ReturnsEagain()
    {
        var (pgt, _) = Table();
        var mc = Cache(4);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), K4, Pfn(0x77), S2Prot.R, mc, swBits: 2));
        Assert.Equal(Errno.EAGAIN, pgt.Map(Ipa(0x5000), K4, Pfn(0x77), S2Prot.RW, mc, swBits: 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => pgt.Map(Ipa(0x5000), K4, Pfn(0x77), S2Prot.R, mc, swBits: 16));
    }

    [Fact]
    public void MapNeedingATableWithoutMemcache_ReturnsEnomem()
    {
        var (pgt, obs) = Table();
        Assert.Equal(Errno.ENOMEM, pgt.Map(Ipa(0x5000), K4, Pfn(1), S2Prot.R, null));
        Assert.Empty(Leaves(pgt));
        Assert.Equal(0, obs.UninitialisedUses);
    }

    [Fact]
    public void MapOnExistingTablesWithoutMemcache_Succeeds()
    {
        var (pgt, _) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), K4, Pfn(1), S2Prot.R, Cache(2)));
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x6000), K4, Pfn(2), S2Prot.R, null));
        Assert.Equal(2, Leaves(pgt).Count);
    }

    // kvm_mmu_memory_cache_alloc: WARN_ON(!mc->nobjs), then a GFP_ATOMIC page; the walk goes on.
    [Fact]
    public void MapNeedingTablesFromAnEmptySetUpMemcache_WarnsAndAllocatesEachPage()
    {
        var (pgt, obs) = Table();
        var mc = new KvmMmuMemoryCache();
        mc.Init();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), K4, Pfn(1), S2Prot.R, mc));
        Assert.Single(Leaves(pgt));
        Assert.Equal(2, obs.EmptyAllocs); // the level-2 and level-3 tables
        Assert.Equal((0, 2, 2), (mc.Count, mc.PagesAllocated, mc.PagesConsumed));
        Assert.Equal(0, obs.UninitialisedUses);
    }

    // The model's knobs for a walk that runs out: a zero-capacity cache, or failing allocations.
    [Fact]
    public void MapNeedingATableFromAZeroCapacityOrFailingMemcache_ReturnsEnomem()
    {
        foreach (var mc in new[] { new KvmMmuMemoryCache(capacity: 0), new KvmMmuMemoryCache { FailAllocations = true } })
        {
            var (pgt, obs) = Table();
            mc.Init();
            Assert.Equal(Errno.ENOMEM, pgt.Map(Ipa(0x5000), K4, Pfn(1), S2Prot.R, mc));
            Assert.Empty(Leaves(pgt));
            Assert.Equal(0, obs.EmptyAllocs);
        }
    }

    [Fact]
    public void MapAllocatingFromUninitialisedMemcache_IsReportedAndReturnsEnomem()
    {
        var (pgt, obs) = Table();
        var mc = new KvmMmuMemoryCache();
        Assert.Equal(Errno.ENOMEM, pgt.Map(Ipa(0x5000), K4, Pfn(1), S2Prot.R, mc));
        Assert.Equal(1, obs.UninitialisedUses);
        Assert.Empty(Leaves(pgt));
    }

    [Fact]
    public void MapWithUninitialisedMemcacheThatNeedsNoTable_IsNotReported()
    {
        var (pgt, obs) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(G1), G1, Pfn(0x40000), S2Prot.R, new KvmMmuMemoryCache()));
        Assert.Equal(0, obs.UninitialisedUses);
    }

    [Fact]
    public void MapRunningOutOfMemcacheMidWalk_KeepsTheTablesAlreadyLinked()
    {
        var (pgt, _) = Table(48);
        var mc = Cache(2);
        mc.FailAllocations = true; // no GFP_ATOMIC page either
        Assert.Equal(Errno.ENOMEM, pgt.Map(Ipa(0x5000), K4, Pfn(1), S2Prot.R, mc));
        Assert.Equal(2, pgt.LiveTablePages);
        Assert.Equal(new S2Walk(false, 2, default), pgt.GetLeaf(Ipa(0x5000)));
    }

    [Theory]
    [InlineData(S2Prot.R | S2Prot.X | S2Prot.Device)]
    [InlineData(S2Prot.RWX | S2Prot.NormalNc)]
    [InlineData(S2Prot.R | S2Prot.Device | S2Prot.NormalNc)]
    public void MapExecutableDeviceOrConflictingMemType_ReturnsEinval(S2Prot prot)
    {
        var (pgt, obs) = Table();
        var mc = Cache(4);
        Assert.Equal(Errno.EINVAL, pgt.Map(Ipa(0x5000), K4, Pfn(1), prot, mc));
        Assert.Empty(obs.Installed);
        Assert.Equal(0, mc.PagesConsumed);
    }

    [Theory]
    [InlineData(S2Prot.RW | S2Prot.Device, MemType.Device)]
    [InlineData(S2Prot.RW | S2Prot.NormalNc, MemType.NormalNc)]
    [InlineData(S2Prot.RWX, MemType.Normal)]
    public void MapMemTypeSelector_SetsLeafMemType(S2Prot prot, MemType memType)
    {
        var (pgt, _) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), K4, Pfn(1), prot, Cache(4)));
        Assert.Equal(memType, pgt.GetLeaf(Ipa(0x5000)).Leaf.MemType);
    }

    [Fact]
    public void MapUnalignedIpa_StartsAtItsPage()
    {
        var (pgt, _) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5abc), K4, Pfn(9), S2Prot.R, Cache(4)));
        Assert.Equal(Ipa(0x5000), Assert.Single(Leaves(pgt)).Ipa);
    }

    [Fact]
    public void MapBlockInside1GBlock_SplitsToEmptyTableOfTheNextLevel()
    {
        var (pgt, obs) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(G1), G1, Pfn(0x40000), S2Prot.R, null));
        obs.Reset();
        var mc = Cache(4);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(G1 + 3 * M2), M2, Pfn(0x40600), S2Prot.RW, mc));
        Assert.Equal(1, mc.PagesConsumed);
        Assert.Single(obs.Removed);
        Assert.Equal(new S2Leaf(Ipa(G1 + 3 * M2), 2, Pfn(0x40600), S2Prot.RW, true, 0), Assert.Single(Leaves(pgt)));
        Assert.Equal(new S2Walk(false, 2, default), pgt.GetLeaf(Ipa(G1)));
    }

    [Fact]
    public void MapAcrossConcatenatedPgdPages_ContinuesIntoTheNextPage()
    {
        var (pgt, _) = Table(40); // two start-level pages of 512 GiB each
        var boundary = 512 * G1;
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(boundary - K4), 2 * K4, Pfn(0x10), S2Prot.R, Cache(4)));
        Assert.Equal(Pfn(0x10), pgt.GetLeaf(Ipa(boundary - K4)).Leaf.Pfn);
        Assert.Equal(Pfn(0x11), pgt.GetLeaf(Ipa(boundary)).Leaf.Pfn);
        Assert.Equal(4, pgt.LiveTablePages);
        pgt.Unmap(Ipa(boundary - K4), 2 * K4);
        Assert.Equal(0, pgt.LiveTablePages);
    }
}
