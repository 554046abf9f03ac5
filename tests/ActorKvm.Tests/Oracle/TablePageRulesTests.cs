using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Stage2;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Oracle;

/// <summary>
/// Rule <c>table-page-accounting</c> (<c>KvmOracle.Tables</c>, checked in <c>Kvm.S2Map</c>, <c>S2Split</c>, the unmap and at
/// rest): each planted test makes the memcache or the table bookkeeping disagree with what the kernel accounts and must
/// see the violation; the faithful twins run maps, a map cut short by an empty cache, splits and unmaps and see none.
/// </summary>
public class TablePageRulesTests
{
    private const ulong Gpa = TestVm.SlotGpa;

    private static KvmMmuMemoryCache Cache(int pages)
    {
        var mc = new KvmMmuMemoryCache(pages);
        Assert.Equal(Errno.Ok, mc.TopUp(pages));
        return mc;
    }

    [Fact]
    public void FaithfulMapsSplitsAndUnmaps_AccountEveryTablePage()
    {
        var vm = TestVm.WithSlot(BackingKind.Thp, 2 * Sizes.PmdSize);
        var o = vm.Kvm.Oracle;
        var pgt = vm.Kvm.Pgt;
        var mc = Cache(8);
        var before = KvmOracle.TablePages(pgt, mc);
        var r = pgt.Map(new Ipa(Gpa), Sizes.PageSize, new Pfn(0x200), S2Prot.R, mc); // two new tables (levels 2 and 3)
        o.TablePagesWalked("map", pgt, mc, before, r);
        before = KvmOracle.TablePages(pgt, mc);
        r = pgt.Map(new Ipa(Gpa), Sizes.PmdSize, new Pfn(0x400), S2Prot.R, mc); // collapse: the level-3 table is freed
        o.TablePagesWalked("map", pgt, mc, before, r);
        before = KvmOracle.TablePages(pgt, mc);
        r = pgt.Split(new Ipa(Gpa), Sizes.PmdSize, mc);
        o.TablePagesWalked("split", pgt, mc, before, r);
        before = KvmOracle.TablePages(pgt, null);
        pgt.Unmap(new Ipa(Gpa), Sizes.PmdSize);
        o.TablePagesWalked("unmap", pgt, null, before, Errno.Ok);
        o.CheckUnmappedTables(pgt, new Ipa(Gpa), Sizes.PmdSize);
        o.CheckAll();
        Assert.Empty(vm.Kinds);
        Assert.Equal(3, mc.PagesConsumed);
        Assert.Equal(0, pgt.LiveTablePages);
    }

    [Fact]
    public void PageTakenFromTheCacheButNoTableLinked_IsTablePageAccounting()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var mc = Cache(4);
        var before = KvmOracle.TablePages(vm.Kvm.Pgt, mc);
        Assert.True(mc.TryTake()); // a walker that took a page and dropped it
        vm.Kvm.Oracle.TablePagesWalked("map", vm.Kvm.Pgt, mc, before, Errno.Ok);
        Assert.Equal([ViolationKind.TablePageAccounting], vm.Kinds);
    }

    [Fact]
    public void MapCutShortByAnEmptyCache_LeavesAnEmptyTableAndIsNoViolation_UntilAnUnmapKeepsIt()
    {
        // 40-bit IPA: start level 1, so a page needs a level-2 and a level-3 table; one page in the cache gives -ENOMEM after
        // linking the level-2 table, which stays empty (the kernel's map walker does not free it either).
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var o = vm.Kvm.Oracle;
        var pgt = vm.Kvm.Pgt;
        var mc = Cache(1);
        mc.FailAllocations = true; // no GFP_ATOMIC page once the cache is empty
        var before = KvmOracle.TablePages(pgt, mc);
        var r = pgt.Map(new Ipa(Gpa), Sizes.PageSize, new Pfn(0x200), S2Prot.R, mc);
        Assert.Equal(Errno.ENOMEM, r);
        o.TablePagesWalked("map", pgt, mc, before, r);
        o.CheckAll();
        Assert.Empty(vm.Kinds);
        Assert.Equal(1, pgt.LiveTablePages);
        o.CheckUnmappedTables(pgt, new Ipa(Gpa), Sizes.PageSize); // planted: an unmap of the range that did not free it
        Assert.Equal([ViolationKind.TablePageAccounting], vm.Kinds);
        pgt.Unmap(new Ipa(Gpa), Sizes.PageSize); // stage2_unmap_walker's TABLE_POST frees it
        Assert.Equal(0, pgt.LiveTablePages);
        o.CheckUnmappedTables(pgt, new Ipa(Gpa), Sizes.PageSize);
        Assert.Single(vm.Kinds);
    }

    [Fact]
    public void EnomemWithPagesLeftInTheCache_IsTablePageAccounting()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var mc = Cache(4);
        vm.Kvm.Oracle.TablePagesWalked("map", vm.Kvm.Pgt, mc, KvmOracle.TablePages(vm.Kvm.Pgt, mc), Errno.ENOMEM);
        Assert.Equal([ViolationKind.TablePageAccounting], vm.Kinds);
    }

    [Fact]
    public void CacheCountNotWhatWasAllocatedLessHandedOut_IsTablePageAccounting()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Read); // the vCPU's cache is topped up and hands out two pages
        vm.Kvm.Oracle.CheckAll();
        Assert.Empty(vm.Kinds);
        var mc = vm.Kvm.Vcpus[0].MmuPageCache;
        typeof(KvmMmuMemoryCache).GetProperty(nameof(KvmMmuMemoryCache.Count))!.SetValue(mc, mc.Count + 1); // a page from nowhere
        vm.Kvm.Oracle.CheckAll();
        Assert.Equal([ViolationKind.TablePageAccounting], vm.Kinds);
    }

    [Fact]
    public void TableLiveCountNotItsValidEntries_IsTablePageAccounting()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Read);
        vm.Access(Gpa + Sizes.PageSize, AccessKind.Read);
        vm.Kvm.Oracle.CheckAll();
        Assert.Empty(vm.Kinds);
        var pgt = vm.Kvm.Pgt;
        var page = pgt.Pgd[(int)(Gpa >> pgt.PgdPageShift)]!;
        var level2 = page.Child((int)((Gpa >> Sizes.LevelShift(1)) & 511))!;
        var level3 = level2.Child((int)((Gpa >> Sizes.LevelShift(2)) & 511))!;
        Assert.Equal(2, level3.Live);
        level3.Live = 1; // a leaf installed without counting it
        vm.Kvm.Oracle.CheckAll();
        Assert.Equal([ViolationKind.TablePageAccounting], vm.Kinds);
    }
}
