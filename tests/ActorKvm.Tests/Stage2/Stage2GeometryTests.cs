using ActorKvm.Model.Arch;
using ActorKvm.Model.Stage2;

namespace ActorKvm.Tests.Stage2;

public class Stage2GeometryTests
{
    [Theory]
    [InlineData(32, 2, 2, 2048, 4)]
    [InlineData(36, 3, 1, 64, 1)]
    [InlineData(40, 3, 1, 1024, 2)]
    [InlineData(44, 4, 0, 32, 1)]
    [InlineData(48, 4, 0, 512, 1)]
    [InlineData(52, 4, 0, 8192, 16)]
    public void Geometry_FollowsHardwareLevelsForIpaBitsMinus4(int ipaBits, int levels, int startLevel, int entries, int pgdPages)
    {
        var pgt = new Stage2PageTable(ipaBits);
        Assert.Equal(ipaBits, pgt.IpaBits);
        Assert.Equal(1UL << ipaBits, pgt.IpaSize);
        Assert.Equal(levels, pgt.Levels);
        Assert.Equal(startLevel, pgt.StartLevel);
        Assert.Equal(entries, pgt.StartLevelEntries);
        Assert.Equal(pgdPages, pgt.PgdPages);
        Assert.Equal(levels - 1, pgt.MinCachePages);
    }

    [Theory]
    [InlineData(31)]
    [InlineData(53)]
    [InlineData(0)]
    public void IpaBitsOutside32To52_AreRejected(int ipaBits) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new Stage2PageTable(ipaBits));

    [Fact]
    public void EmptyTable_ReportsInvalidAtStartLevel()
    {
        var pgt = new Stage2PageTable(48);
        Assert.Equal(new S2Walk(false, 0, default), pgt.GetLeaf(S2.Ipa(0x1234_5000)));
        Assert.Equal(0, pgt.LiveTablePages);
    }

    [Fact]
    public void GetLeafBeyondIpaSpace_IsInvalidAtStartLevel()
    {
        var pgt = new Stage2PageTable(40);
        Assert.Equal(new S2Walk(false, 1, default), pgt.GetLeaf(S2.Ipa(1UL << 40)));
    }

    [Fact]
    public void FreshPageMap_ConsumesOneTablePerLevelBelowTheStart()
    {
        foreach (var bits in new[] { 32, 40, 48 })
        {
            var pgt = new Stage2PageTable(bits);
            var mc = S2.Cache(pgt.MinCachePages);
            Assert.Equal(Errno.Ok, pgt.Map(S2.Ipa(0x4000_0000 & (pgt.IpaSize - 1)), S2.K4, S2.Pfn(7), S2Prot.RW, mc));
            Assert.Equal(pgt.MinCachePages, mc.PagesConsumed);
            Assert.Equal(pgt.MinCachePages, pgt.LiveTablePages);
        }
    }

    [Fact]
    public void SparseSpace_CostsTablesOnlyForWhatIsMapped()
    {
        var pgt = new Stage2PageTable(52);
        var mc = S2.Cache(16);
        Assert.Equal(Errno.Ok, pgt.Map(S2.Ipa(0), S2.K4, S2.Pfn(1), S2Prot.R, mc));
        Assert.Equal(Errno.Ok, pgt.Map(S2.Ipa((1UL << 52) - S2.K4), S2.K4, S2.Pfn(2), S2Prot.R, mc));
        Assert.Equal(6, pgt.LiveTablePages);
        Assert.Equal(6, mc.PagesConsumed);
        Assert.Equal(2, S2.Leaves(pgt).Count);
        Assert.Equal(S2.Pfn(2), pgt.GetLeaf(S2.Ipa((1UL << 52) - 1)).Leaf.Pfn);
    }

    [Fact]
    public void GetLeaf_ReportsTheLevelOfTheFirstInvalidEntry()
    {
        var pgt = new Stage2PageTable(48);
        Assert.Equal(Errno.Ok, pgt.Map(S2.Ipa(0x4000_0000), S2.K4, S2.Pfn(9), S2Prot.RW, S2.Cache(3)));
        Assert.Equal(new S2Walk(false, 3, default), pgt.GetLeaf(S2.Ipa(0x4000_1000)));     // same L3 table
        Assert.Equal(new S2Walk(false, 2, default), pgt.GetLeaf(S2.Ipa(0x4020_0000)));     // same L2 table
        Assert.Equal(new S2Walk(false, 1, default), pgt.GetLeaf(S2.Ipa(0x8000_0000)));     // same L1 table
        Assert.Equal(new S2Walk(false, 0, default), pgt.GetLeaf(S2.Ipa(0x80_0000_0000)));  // another L0 entry
        var hit = pgt.GetLeaf(S2.Ipa(0x4000_0abc));
        Assert.True(hit.Valid);
        Assert.Equal(3, hit.Level);
        Assert.Equal(S2.Ipa(0x4000_0000), hit.Leaf.Ipa);
    }

    [Fact]
    public void MutatingBeyondIpaSpace_IsACallerBug()
    {
        var pgt = new Stage2PageTable(40);
        var mc = S2.Cache(4);
        Assert.Throws<ArgumentOutOfRangeException>(() => pgt.Map(S2.Ipa(1UL << 40), S2.K4, S2.Pfn(0), S2Prot.R, mc));
        Assert.Throws<ArgumentOutOfRangeException>(() => pgt.Map(S2.Ipa((1UL << 40) - S2.K4), 2 * S2.K4, S2.Pfn(0), S2Prot.R, mc));
        Assert.Throws<ArgumentOutOfRangeException>(() => pgt.Unmap(S2.Ipa(0), (1UL << 40) + S2.K4));
        Assert.Throws<ArgumentOutOfRangeException>(() => pgt.RelaxPerms(S2.Ipa(1UL << 40), S2Prot.W));
        Assert.Equal(0, mc.PagesConsumed);
    }

    [Fact]
    public void WholeSpaceRangeOperations_AreAccepted()
    {
        var pgt = new Stage2PageTable(40);
        Assert.Equal(Errno.Ok, pgt.Map(S2.Ipa(0), S2.G1, S2.Pfn(0), S2Prot.RW, null));
        Assert.True(pgt.WrProtect(S2.Ipa(0), pgt.IpaSize));
        pgt.Unmap(S2.Ipa(0), pgt.IpaSize);
        Assert.Empty(S2.Leaves(pgt));
    }
}
