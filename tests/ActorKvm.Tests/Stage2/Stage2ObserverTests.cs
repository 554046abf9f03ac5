using ActorKvm.Model.Arch;
using ActorKvm.Model.Stage2;
using static ActorKvm.Tests.Stage2.S2;

namespace ActorKvm.Tests.Stage2;

public class Stage2ObserverTests
{
    [Theory]
    [InlineData(40, 1)]
    [InlineData(40, 2)]
    [InlineData(48, 3)]
    [InlineData(32, 4)]
    public void ObserverShadow_MatchesTheTableAfterAnyOperationSequence(int ipaBits, int seed)
    {
        var (pgt, obs) = Table(ipaBits);
        var rng = new Random(seed);
        var mc = new KvmMmuMemoryCache();
        var sizes = new[] { K4, K4, K4, 3 * K4, M2, M2 + K4, 2 * M2 };
        var perms = new[] { S2Prot.R, S2Prot.RW, S2Prot.RWX, S2Prot.RW | S2Prot.Device };
        // a 2 GiB window keeps operations colliding
        ulong Addr() => (ulong)rng.Next(0, 4 * 512) * M2 / 2 + (ulong)rng.Next(0, 4) * K4;
        for (var step = 0; step < 2000; step++)
        {
            var ipa = Ipa(Addr() & (pgt.IpaSize - 1) & ~(K4 - 1));
            var size = Math.Min(sizes[rng.Next(sizes.Length)], pgt.IpaSize - ipa.Value);
            switch (rng.Next(8))
            {
                case 0 or 1 or 2:
                    mc.TopUp(rng.Next(0, 4));
                    var pfn = Pfn((ulong)rng.Next(0, 1 << 20) & ~(rng.Next(2) == 0 ? 511UL : 0));
                    pgt.Map(ipa, size, pfn, perms[rng.Next(perms.Length)], rng.Next(5) == 0 ? null : mc, (byte)rng.Next(2));
                    break;
                case 3: pgt.Unmap(ipa, size); break;
                case 4: pgt.WrProtect(ipa, size); break;
                case 5: pgt.TestClearYoung(ipa, size, rng.Next(2) == 0); break;
                case 6:
                    if (rng.Next(2) == 0) pgt.RelaxPerms(ipa, perms[rng.Next(perms.Length)]);
                    else pgt.Mkyoung(ipa);
                    break;
                case 7:
                    var split = new KvmMmuMemoryCache();
                    split.TopUp(rng.Next(0, 3));
                    pgt.Split(ipa, size, split);
                    break;
            }
            if (step % 250 == 0) Assert.Equal(obs.Shadow.Values, Leaves(pgt));
        }
        Assert.Equal(obs.Shadow.Values, Leaves(pgt));
        foreach (var leaf in obs.Shadow.Values)
        {
            Assert.Equal(leaf, pgt.GetLeaf(leaf.Ipa).Leaf);
            Assert.True(leaf.Ipa.IsAligned(leaf.Size));
        }
        pgt.Unmap(Ipa(0), pgt.IpaSize);
        Assert.Empty(obs.Shadow);
        Assert.Equal(0, pgt.LiveTablePages);
    }

    [Fact]
    public void TablePageAccounting_BalancesAfterUnmappingEverything()
    {
        var (pgt, _) = Table(48);
        var mc = Cache(64);
        for (ulong i = 0; i < 16; i++)
            Assert.Equal(Errno.Ok, pgt.Map(Ipa(i * 3 * G1 + i * M2 + i * K4), K4, Pfn(i), S2Prot.R, mc));
        Assert.Equal(mc.PagesConsumed, pgt.LiveTablePages);
        pgt.Unmap(Ipa(0), pgt.IpaSize);
        Assert.Equal(0, pgt.LiveTablePages);
        Assert.Equal(mc.PagesConsumed, pgt.TablePagesFreed);
    }

    [Fact]
    public void FaultPathOperationsOnExistingTables_DoNotAllocate()
    {
        var pgt = new Stage2PageTable(48);
        var mc = Cache(8);
        Assert.Equal(Errno.Ok, pgt.Map(Ipa(0x4000_0000), M2, Pfn(0x1001), S2Prot.R, mc)); // 512 pages, tables built
        pgt.Unmap(Ipa(0x4000_0000), K4);
        // warm up every path once; xunit asserts allocate, so the loop only counts surprises
        Assert.Equal(0, RunFaultPath(pgt, mc, 1));
        var before = GC.GetAllocatedBytesForCurrentThread();
        var surprises = RunFaultPath(pgt, mc, 2000);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, surprises);
        Assert.Equal(0, allocated);
    }

    private static int RunFaultPath(Stage2PageTable pgt, KvmMmuMemoryCache mc, int rounds)
    {
        var surprises = 0;
        for (var r = 0; r < rounds; r++)
        {
            var ipa = Ipa(0x4000_0000 + (ulong)(r % 512) * K4);
            var pfn = Pfn(0x1001 + (ulong)(r % 512));
            pgt.Unmap(ipa, K4);
            if (pgt.Map(ipa, K4, pfn, S2Prot.R, mc) != Errno.Ok) surprises++;
            if (pgt.Map(ipa, K4, pfn, S2Prot.RW, mc) != Errno.EAGAIN) surprises++;
            if (pgt.RelaxPerms(ipa, S2Prot.RW) != Errno.Ok) surprises++;
            pgt.TestClearYoung(ipa, K4, mkold: true);
            if (pgt.Mkyoung(ipa) != Errno.Ok) surprises++;
            if (!pgt.GetLeaf(ipa).Valid) surprises++;
        }
        return surprises;
    }
}
