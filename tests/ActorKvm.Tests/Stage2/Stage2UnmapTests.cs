using ActorKvm.Model.Arch;
using static ActorKvm.Tests.Stage2.S2;

namespace ActorKvm.Tests.Stage2;

public class Stage2UnmapTests
{
    [Fact]
    public void UnmapPartOfBlock_RemovesTheWholeBlock()
    {
        var (pgt, obs) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x20_0000), M2, Pfn(0x1000), S2Prot.RW, Cache(4)));
        var block = Assert.Single(Leaves(pgt));
        obs.Reset();
        pgt.Unmap(Ipa(0x30_0000), K4);
        Assert.Empty(Leaves(pgt));
        Assert.Equal(new[] { block }, obs.Removed);
        Assert.False(pgt.GetLeaf(Ipa(0x20_0000)).Valid);
    }

    [Fact]
    public void UnmapLastLeaf_FreesTheTablesItEmpties()
    {
        var (pgt, _) = Table(48);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x4000_5000), K4, Pfn(7), S2Prot.R, Cache(3)));
        Assert.Equal(3, pgt.LiveTablePages);
        pgt.Unmap(Ipa(0x4000_5000), K4);
        Assert.Equal(0, pgt.LiveTablePages);
        Assert.Equal(3, pgt.TablePagesFreed);
        Assert.Equal(new Model.Stage2.S2Walk(false, 0, default), pgt.GetLeaf(Ipa(0x4000_5000)));
    }

    [Fact]
    public void UnmapOneOfTwoPages_KeepsTheSharedTable()
    {
        var (pgt, _) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), 2 * K4, Pfn(7), S2Prot.R, Cache(4)));
        pgt.Unmap(Ipa(0x5000), K4);
        Assert.Equal(2, pgt.LiveTablePages);
        Assert.Equal(0, pgt.TablePagesFreed);
        Assert.True(pgt.GetLeaf(Ipa(0x6000)).Valid);
        Assert.Equal(new Model.Stage2.S2Walk(false, 3, default), pgt.GetLeaf(Ipa(0x5000)));
    }

    [Fact]
    public void UnmapRange_RemovesOnlyIntersectingLeaves()
    {
        var (pgt, obs) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0), 8 * K4, Pfn(0x100), S2Prot.R, Cache(4)));
        obs.Reset();
        pgt.Unmap(Ipa(2 * K4), 3 * K4);
        Assert.Equal(3, obs.Removed.Count);
        Assert.Equal(new ulong[] { 0, 1, 5, 6, 7 }, Leaves(pgt).Select(l => l.Ipa.Value / K4));
    }

    [Fact]
    public void UnmapOverEmptyTableLeftByFailedMap_FreesIt()
    {
        var (pgt, _) = Table(48);
        var mc = Cache(2);
        mc.FailAllocations = true; // no GFP_ATOMIC page either
        Assert.Equal(Errno.ENOMEM, pgt.Map(Ipa(0x5000), K4, Pfn(1), S2Prot.R, mc));
        Assert.Equal(2, pgt.LiveTablePages);
        pgt.Unmap(Ipa(0x5000), K4);
        Assert.Equal(0, pgt.LiveTablePages);
        Assert.Equal(2, pgt.TablePagesFreed);
    }

    [Fact]
    public void UnmapOfNothing_IsHarmless()
    {
        var (pgt, obs) = Table(52);
        pgt.Unmap(Ipa(0), pgt.IpaSize);
        Assert.Empty(obs.Removed);
        Assert.Equal(0, pgt.TablePagesFreed);
    }

    [Fact]
    public void Clear_RemovesEveryLeafAndFreesEveryTable()
    {
        var (pgt, obs) = Table();
        var mc = Cache(8);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), 3 * K4, Pfn(7), S2Prot.R, mc));
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(G1), G1, Pfn(0x40000), S2Prot.R, mc));
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(3 * G1 + M2), M2, Pfn(0x200), S2Prot.R, mc));
        var live = pgt.LiveTablePages;
        pgt.Clear();
        Assert.Empty(Leaves(pgt));
        Assert.Empty(obs.Shadow);
        Assert.Equal(5, obs.Removed.Count);
        Assert.Equal(0, pgt.LiveTablePages);
        Assert.Equal(live, pgt.TablePagesFreed);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), K4, Pfn(7), S2Prot.R, mc));
    }
}
