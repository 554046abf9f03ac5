using ActorKvm.Model.Arch;
using ActorKvm.Model.Stage2;

namespace ActorKvm.Tests.Stage2;

public class S2LeafTests
{
    [Fact]
    public void BlockLeaf_DerivesSizeMemTypeAndPfnAt()
    {
        var leaf = new S2Leaf(new Ipa(0x4000_0000), 1, new Pfn(0x40000), S2Prot.RW | S2Prot.NormalNc, true, 0);
        Assert.Equal(Sizes.PudSize, leaf.Size);
        Assert.True(leaf.IsBlock);
        Assert.Equal(MemType.NormalNc, leaf.MemType);
        Assert.Equal(S2Prot.RW, leaf.Perms);
        Assert.Equal(new Pfn(0x40000 + 0x123), leaf.PfnAt(new Ipa(0x4012_3456)));
        Assert.Throws<ArgumentOutOfRangeException>(() => leaf.PfnAt(new Ipa(0x8000_0000)));
        Assert.Throws<ArgumentOutOfRangeException>(() => leaf.PfnAt(new Ipa(0x3fff_ffff)));
    }

    [Fact]
    public void PageLeaf_IsNotABlock()
    {
        var leaf = new S2Leaf(new Ipa(0x5000), 3, new Pfn(1), S2Prot.R, false, 0);
        Assert.False(leaf.IsBlock);
        Assert.Equal(Sizes.PageSize, leaf.Size);
        Assert.Equal(MemType.Normal, leaf.MemType);
        Assert.Contains("old", leaf.ToString());
    }
}
