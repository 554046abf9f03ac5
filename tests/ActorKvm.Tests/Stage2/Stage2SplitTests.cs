using ActorKvm.Model.Arch;
using ActorKvm.Model.Stage2;
using static ActorKvm.Tests.Stage2.S2;

namespace ActorKvm.Tests.Stage2;

public class Stage2SplitTests
{
    private static void AssertMapsLinearly(Stage2PageTable pgt, Ipa start, ulong size, Pfn pfn, S2Prot prot)
    {
        for (ulong off = 0; off < size; off += K4)
        {
            var w = pgt.GetLeaf(start + off);
            Assert.True(w.Valid, $"{start + off} unmapped");
            Assert.Equal(pfn + off / K4, w.Leaf.PfnAt(start + off));
            Assert.Equal(prot, w.Leaf.Prot);
        }
    }

    [Fact]
    public void Split2MBlock_PreservesEveryPageAndConsumesOneCachePage()
    {
        var (pgt, obs) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x20_0000), M2, Pfn(0x1000), S2Prot.RW, Cache(4)));
        var block = Assert.Single(Leaves(pgt));
        obs.Reset();
        var split = Cache(8);

        Assert.Equal(Errno.Ok, pgt.Split(Ipa(0x20_0000), M2, split));
        Assert.Equal(1, split.PagesConsumed);
        var leaves = Leaves(pgt);
        Assert.Equal(512, leaves.Count);
        Assert.All(leaves, l => Assert.Equal(3, l.Level));
        AssertMapsLinearly(pgt, Ipa(0x20_0000), M2, Pfn(0x1000), S2Prot.RW);
        Assert.Equal(new[] { block }, obs.Removed);
        Assert.Equal(512, obs.Installed.Count);
    }

    [Fact]
    public void Split1GBlockWithFullCache_BuildsDownToPagesWith513CachePages()
    {
        var (pgt, obs) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(G1), G1, Pfn(0x40000), S2Prot.R, null));
        var split = Cache(600);

        Assert.Equal(Errno.Ok, pgt.Split(Ipa(G1 + 5 * M2), K4, split));
        Assert.Equal(513, split.PagesConsumed);
        Assert.Equal(513, pgt.LiveTablePages);
        var leaves = Leaves(pgt);
        Assert.Equal(512 * 512, leaves.Count);
        Assert.All(leaves, l => Assert.Equal(3, l.Level));
        AssertMapsLinearly(pgt, Ipa(G1 + 7 * M2), M2, Pfn(0x40000 + 7 * 512), S2Prot.R);
        Assert.Equal(Pfn(0x40000 + 0x3ffff), pgt.GetLeaf(Ipa(2 * G1 - 1)).Leaf.Pfn);
        Assert.Equal(obs.Shadow.Values, leaves);
    }

    [Fact]
    public void Split1GBlockWithSmallCache_SplitsPartlyAndReturnsEnomem()
    {
        var (pgt, _) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(G1), G1, Pfn(0x40000), S2Prot.RW, null));
        var split = Cache(3);

        Assert.Equal(Errno.ENOMEM, pgt.Split(Ipa(G1), G1, split));
        Assert.Equal(3, split.PagesConsumed);
        // one page made 512 2M blocks, two more split the first two of them
        Assert.Equal(3, pgt.GetLeaf(Ipa(G1)).Level);
        Assert.Equal(3, pgt.GetLeaf(Ipa(G1 + M2 + 0x1000)).Level);
        Assert.Equal(2, pgt.GetLeaf(Ipa(G1 + 2 * M2)).Level);
        Assert.Equal(2 * 512 + 510, Leaves(pgt).Count);
        AssertMapsLinearly(pgt, Ipa(G1), 3 * M2, Pfn(0x40000), S2Prot.RW);
        Assert.Equal(Pfn(0x40000 + 0x3ffff), pgt.GetLeaf(Ipa(2 * G1 - 1)).Leaf.PfnAt(Ipa(2 * G1 - 1)));
    }

    [Fact]
    public void Split1GBlockWithSmallCache_SplitsOnlySecondLevelBlocksInRange()
    {
        var (pgt, _) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(G1), G1, Pfn(0x40000), S2Prot.R, null));
        var split = Cache(10);
        Assert.Equal(Errno.Ok, pgt.Split(Ipa(G1 + 4 * M2), 2 * M2, split));
        Assert.Equal(3, split.PagesConsumed);
        Assert.Equal(2, pgt.GetLeaf(Ipa(G1 + 3 * M2)).Level);
        Assert.Equal(3, pgt.GetLeaf(Ipa(G1 + 4 * M2)).Level);
        Assert.Equal(3, pgt.GetLeaf(Ipa(G1 + 5 * M2)).Level);
        Assert.Equal(2, pgt.GetLeaf(Ipa(G1 + 6 * M2)).Level);
    }

    [Fact]
    public void SplitWithEmptyCache_ReturnsEnomemAndKeepsTheBlock()
    {
        var (pgt, obs) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x20_0000), M2, Pfn(0x1000), S2Prot.RW, Cache(4)));
        obs.Reset();
        var empty = new KvmMmuMemoryCache();
        empty.Init();
        Assert.Equal(Errno.ENOMEM, pgt.Split(Ipa(0x20_0000), M2, empty));
        Assert.Equal(2, Assert.Single(Leaves(pgt)).Level);
        Assert.Empty(obs.Removed);
    }

    [Fact]
    public void SplitOverPagesOnly_ChangesNothingAndConsumesNothing()
    {
        var (pgt, obs) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), 4 * K4, Pfn(7), S2Prot.RW, Cache(4)));
        obs.Reset();
        var split = Cache(4);
        Assert.Equal(Errno.Ok, pgt.Split(Ipa(0), M2, split));
        Assert.Equal(0, split.PagesConsumed);
        Assert.Empty(obs.Installed);
    }

    [Fact]
    public void Split_PreservesMemTypeAndSoftwareBitsAndMakesLeavesYoung()
    {
        var (pgt, _) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x20_0000), M2, Pfn(0x1000), S2Prot.RW | S2Prot.Device, Cache(4), swBits: 9));
        Assert.True(pgt.TestClearYoung(Ipa(0x20_0000), M2, mkold: true));
        Assert.Equal(Errno.Ok, pgt.Split(Ipa(0x20_0000), M2, Cache(1)));
        Assert.All(Leaves(pgt), l =>
        {
            Assert.Equal(MemType.Device, l.MemType);
            Assert.Equal(9, l.SwBits);
            Assert.True(l.Young);
        });
    }

    [Fact]
    public void SplitThenFaultPathMap_CanCollapseBackToBlock()
    {
        var (pgt, _) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x20_0000), M2, Pfn(0x1000), S2Prot.RW, Cache(4)));
        Assert.Equal(Errno.Ok, pgt.Split(Ipa(0x20_0000), M2, Cache(1)));
        var freed = pgt.TablePagesFreed;
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x20_0000), M2, Pfn(0x1000), S2Prot.RW, null));
        Assert.Equal(2, Assert.Single(Leaves(pgt)).Level);
        Assert.Equal(freed + 1, pgt.TablePagesFreed);
    }
}
