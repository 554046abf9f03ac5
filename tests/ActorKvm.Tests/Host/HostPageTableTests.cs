using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;

namespace ActorKvm.Tests.Host;

/// <summary>
/// The host page table keeps a PTE-level leaf as its folio and pfn only (start and size follow from where it is
/// stored): every field of a leaf must come back as it was set.
/// </summary>
public class HostPageTableTests
{
    private const ulong Base = 0x7f00_0000_0000;

    [Fact]
    public void PteLeaves_ComeBackWithEveryField()
    {
        var phys = new PhysicalMemory();
        var folio = phys.Allocate(0, BackingKind.Anon);
        var pt = new HostPageTable();
        HostPte[] leaves =
        [
            new(new Hva(Base + 0x3000), Sizes.PageShift, folio.Head, folio, Writable: true),
            new(new Hva(Base + 0x1ff000), Sizes.PageShift, new Pfn(0x1_0000_0042), null, Writable: false), // PFNMAP, a device pfn
            new(new Hva(Base + Sizes.PmdSize), Sizes.PageShift, new Pfn((1UL << 62) - 1), null, Writable: true),
        ];
        foreach (var l in leaves) pt.Set(l);

        foreach (var l in leaves)
        {
            Assert.True(pt.TryGet(l.Start + 0x123, out var got));
            Assert.Equal(l, got);
        }
        Assert.Equal(leaves, pt.LeavesIn(new Hva(Base), new Hva(Base + 2 * Sizes.PmdSize)));
        Assert.False(pt.TryGet(new Hva(Base + 0x4000), out _));

        Assert.True(pt.Remove(leaves[0].Start, Sizes.PageShift));
        Assert.False(pt.TryGet(leaves[0].Start, out _));
        Assert.Equal(leaves[1..], pt.LeavesIn(new Hva(Base), new Hva(Base + 2 * Sizes.PmdSize)));
    }

    [Fact]
    public void PteLeaves_AcrossRegionBoundaries_AreFoundInAddressOrder()
    {
        var phys = new PhysicalMemory();
        var pt = new HostPageTable();
        // Pages on both sides of the table's internal region boundaries (every 32 and every 512 pages) and far apart.
        ulong[] pages = [0, 31, 32, 33, 511, 512, 4096 + 7];
        var leaves = pages.Select(p => new HostPte(new Hva(Base + p * Sizes.PageSize), Sizes.PageShift, phys.Allocate(0, BackingKind.Anon).Head, null, true)).ToArray();
        foreach (var l in leaves.Reverse()) pt.Set(l);

        Assert.Equal(leaves, pt.LeavesIn(new Hva(Base), new Hva(Base + 8192 * Sizes.PageSize)));
        Assert.Equal(leaves[1..3], pt.LeavesIn(new Hva(Base + 31 * Sizes.PageSize), new Hva(Base + 33 * Sizes.PageSize)));
        Assert.True(pt.AnyLeafIn(new Hva(Base + 4096 * Sizes.PageSize), new Hva(Base + 4104 * Sizes.PageSize)));
        Assert.False(pt.AnyLeafIn(new Hva(Base + 34 * Sizes.PageSize), new Hva(Base + 511 * Sizes.PageSize)));
        foreach (var l in leaves) Assert.True(pt.Remove(l.Start, Sizes.PageShift));
        Assert.Empty(pt.LeavesIn(new Hva(Base), new Hva(Base + 8192 * Sizes.PageSize)));
    }

    [Fact]
    public void PteLeaf_ThatCannotBeStoredExactly_IsRefused()
    {
        var pt = new HostPageTable();
        Assert.Throws<ArgumentOutOfRangeException>(() => pt.Set(new HostPte(new Hva(Base), Sizes.PageShift, new Pfn(1UL << 62), null, true)));
        Assert.Throws<ArgumentOutOfRangeException>(() => pt.Set(new HostPte(new Hva(Base + 0x10), Sizes.PageShift, new Pfn(1), null, true)));
    }
}
