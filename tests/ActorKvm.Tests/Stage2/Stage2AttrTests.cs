using ActorKvm.Model.Arch;
using ActorKvm.Model.Stage2;
using static ActorKvm.Tests.Stage2.S2;

namespace ActorKvm.Tests.Stage2;

public class Stage2AttrTests
{
    [Fact]
    public void RelaxPerms_AddsRequestedPermsOnly()
    {
        var (pgt, obs) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), K4, Pfn(7), S2Prot.R, Cache(4)));
        obs.Reset();
        Assert.Equal(Errno.Ok, pgt.RelaxPerms(Ipa(0x5000), S2Prot.RW));
        Assert.Equal(S2Prot.RW, pgt.GetLeaf(Ipa(0x5000)).Leaf.Prot);
        Assert.Single(obs.Updated);
        Assert.Empty(obs.Removed);
    }

    [Fact]
    public void RelaxPerms_NeverRemovesAPermission()
    {
        var (pgt, obs) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), K4, Pfn(7), S2Prot.RWX, Cache(4)));
        obs.Reset();
        Assert.Equal(Errno.Ok, pgt.RelaxPerms(Ipa(0x5000), S2Prot.R));
        Assert.Equal(S2Prot.RWX, pgt.GetLeaf(Ipa(0x5000)).Leaf.Prot);
        Assert.Empty(obs.Updated);
    }

    [Fact]
    public void RelaxPerms_KeepsOutputMemTypeAccessFlagAndSoftwareBits()
    {
        var (pgt, _) = Table();
        var mc = Cache(4);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), K4, Pfn(7), S2Prot.R | S2Prot.NormalNc, mc, swBits: 5));
        Assert.True(pgt.TestClearYoung(Ipa(0x5000), K4, mkold: true));
        Assert.Equal(Errno.Ok, pgt.RelaxPerms(Ipa(0x5000), S2Prot.W | S2Prot.Device));
        var leaf = pgt.GetLeaf(Ipa(0x5000)).Leaf;
        Assert.Equal(new S2Leaf(Ipa(0x5000), 3, Pfn(7), S2Prot.RW | S2Prot.NormalNc, false, 5), leaf);
    }

    [Fact]
    public void RelaxPermsInsideBlock_RelaxesTheWholeBlock()
    {
        var (pgt, _) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x20_0000), M2, Pfn(0x1000), S2Prot.R, Cache(4)));
        Assert.Equal(Errno.Ok, pgt.RelaxPerms(Ipa(0x21_3000), S2Prot.W | S2Prot.X));
        var leaf = Assert.Single(Leaves(pgt));
        Assert.Equal(2, leaf.Level);
        Assert.Equal(S2Prot.RWX, leaf.Prot);
    }

    [Fact]
    public void RelaxPermsWithoutValidLeaf_ReturnsEagain()
    {
        var (pgt, _) = Table();
        Assert.Equal(Errno.EAGAIN, pgt.RelaxPerms(Ipa(0x5000), S2Prot.W));
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), K4, Pfn(7), S2Prot.R, Cache(4)));
        Assert.Equal(Errno.EAGAIN, pgt.RelaxPerms(Ipa(0x6000), S2Prot.W));
    }

    [Fact]
    public void Mkyoung_SetsTheAccessFlagOfAnOldLeafOnce()
    {
        var (pgt, obs) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x20_0000), M2, Pfn(0x1000), S2Prot.R, Cache(4)));
        Assert.True(pgt.TestClearYoung(Ipa(0x20_0000), M2, mkold: true));
        obs.Reset();
        Assert.Equal(Errno.Ok, pgt.Mkyoung(Ipa(0x21_0000)));
        Assert.True(pgt.GetLeaf(Ipa(0x20_0000)).Leaf.Young);
        Assert.Equal(Errno.Ok, pgt.Mkyoung(Ipa(0x21_0000)));
        var (before, after) = Assert.Single(obs.Updated);
        Assert.False(before.Young);
        Assert.True(after.Young);
    }

    [Fact]
    public void MkyoungWithoutValidLeaf_ReturnsEagain()
    {
        var (pgt, _) = Table();
        Assert.Equal(Errno.EAGAIN, pgt.Mkyoung(Ipa(0x5000)));
    }

    [Fact]
    public void TestClearYoung_ReportsAnyYoungLeafAndClearsOnlyWhenMkold()
    {
        var (pgt, _) = Table();
        var mc = Cache(4);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), 2 * K4, Pfn(7), S2Prot.R, mc));
        Assert.True(pgt.TestClearYoung(Ipa(0x5000), 2 * K4, mkold: false));
        Assert.True(pgt.TestClearYoung(Ipa(0x5000), 2 * K4, mkold: false));
        Assert.True(pgt.TestClearYoung(Ipa(0x5000), 2 * K4, mkold: true));
        Assert.False(pgt.TestClearYoung(Ipa(0x5000), 2 * K4, mkold: false));
        Assert.All(Leaves(pgt), l => Assert.False(l.Young));
        Assert.Equal(Errno.Ok, pgt.Mkyoung(Ipa(0x6000)));
        Assert.True(pgt.TestClearYoung(Ipa(0x5000), 2 * K4, mkold: false));
        Assert.False(pgt.TestClearYoung(Ipa(0x5000), K4, mkold: false));
    }

    [Fact]
    public void TestClearYoungOverEmptyRange_IsFalse()
    {
        var (pgt, _) = Table();
        Assert.False(pgt.TestClearYoung(Ipa(0), G1, mkold: true));
    }

    [Fact]
    public void WrProtectPartOfBlock_WriteProtectsTheWholeBlock()
    {
        var (pgt, obs) = Table();
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x20_0000), M2, Pfn(0x1000), S2Prot.RWX, Cache(4)));
        obs.Reset();
        Assert.True(pgt.WrProtect(Ipa(0x21_0000), K4));
        var leaf = Assert.Single(Leaves(pgt));
        Assert.Equal(2, leaf.Level);
        Assert.Equal(S2Prot.R | S2Prot.X, leaf.Prot);
        Assert.Single(obs.Updated);
        Assert.False(pgt.WrProtect(Ipa(0x20_0000), M2));
    }

    [Fact]
    public void WrProtect_ClearsWOnEveryIntersectingLeafAndSkipsReadOnlyOnes()
    {
        var (pgt, obs) = Table();
        var mc = Cache(4);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x5000), 3 * K4, Pfn(7), S2Prot.RW, mc));
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x9000), K4, Pfn(70), S2Prot.R, mc));
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0xa000), K4, Pfn(71), S2Prot.RW, mc));
        obs.Reset();
        Assert.True(pgt.WrProtect(Ipa(0x6000), 0x4000));
        Assert.Equal(new[] { S2Prot.RW, S2Prot.R, S2Prot.R, S2Prot.R, S2Prot.RW }, Leaves(pgt).Select(l => l.Prot));
        Assert.Equal(2, obs.Updated.Count);
    }
}
