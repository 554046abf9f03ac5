using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Stage2;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Oracle;

/// <summary>
/// Rule <c>stage2-map-mismatch</c> (<c>KvmOracle.Map</c>, checked in <c>Kvm.S2Map</c>/<c>S2RelaxPerms</c>/<c>S2Mkyoung</c>):
/// each planted test leaves the page table other than a walker that returned 0 promised and must see the violation; the
/// faithful twins run the fault path through maps of every leaf size, relaxes and access-flag faults and must see none.
/// </summary>
public class Stage2MapRulesTests
{
    private const ulong Gpa = TestVm.SlotGpa;

    private static List<ViolationKind> Kinds(TestVm vm) => vm.Kvm.Oracle.Violations.Select(v => v.Kind).ToList();

    private static KvmMmuMemoryCache Cache()
    {
        var mc = new KvmMmuMemoryCache();
        Assert.Equal(Errno.Ok, mc.TopUp(8));
        return mc;
    }

    [Theory]
    [InlineData(BackingKind.Anon, Sizes.PmdSize)]
    [InlineData(BackingKind.Thp, Sizes.PmdSize)]
    [InlineData(BackingKind.Hugetlb1G, Sizes.PudSize)]
    public void FaultsOfEveryLeafSize_LeaveWhatTheyMapped(BackingKind backing, ulong slot)
    {
        var vm = TestVm.WithSlot(backing, slot);
        vm.Access(Gpa, AccessKind.Read);            // map (a block where the backing allows)
        vm.Access(Gpa, AccessKind.Write, 1);        // permission fault: relax, or a new map over the zero page
        vm.Access(Gpa + Sizes.PageSize, AccessKind.Exec);
        Assert.Empty(Kinds(vm));
        Assert.True(vm.Leaf(Gpa).Valid);
    }

    [Fact]
    public void AlignedPmdMapLeftAsPages_IsStage2MapMismatch()
    {
        var vm = TestVm.WithSlot(BackingKind.Thp, Sizes.PmdSize);
        var pgt = vm.Kvm.Pgt;
        var mc = Cache();
        for (ulong i = 0; i < Sizes.PtrsPerPmd; i++)
            Assert.Equal(Errno.Ok, pgt.Map(new Ipa(Gpa + i * Sizes.PageSize), Sizes.PageSize, new Pfn(0x200 + i), S2Prot.R, mc));
        vm.Kvm.Oracle.Stage2Mapped(pgt, new Ipa(Gpa), Sizes.PageSize, new Pfn(0x200), S2Prot.R); // one page: as asked
        Assert.Empty(Kinds(vm));
        vm.Kvm.Oracle.Stage2Mapped(pgt, new Ipa(Gpa), Sizes.PmdSize, new Pfn(0x200), S2Prot.R);  // a PMD asked, pages made
        Assert.Equal([ViolationKind.Stage2MapMismatch], Kinds(vm));
    }

    [Theory]
    [InlineData(0x300UL, S2Prot.RW)]  // another output
    [InlineData(0x200UL, S2Prot.RW)]  // fewer permissions
    [InlineData(0x200UL, S2Prot.R | S2Prot.Device)] // another memory type
    public void MapThatLeftAnotherLeaf_IsStage2MapMismatch(ulong askedPfn, S2Prot askedProt)
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Map(new Ipa(Gpa), Sizes.PageSize, new Pfn(0x200), S2Prot.R, Cache()));
        vm.Kvm.Oracle.Stage2Mapped(vm.Kvm.Pgt, new Ipa(Gpa), Sizes.PageSize, new Pfn(askedPfn), askedProt);
        Assert.Equal([ViolationKind.Stage2MapMismatch], Kinds(vm));
    }

    [Fact]
    public void MapThatLeftAnOldLeafOrOtherSoftwareBits_IsStage2MapMismatch()
    {
        // stage2_set_prot_attr sets the AF and the walker writes the whole descriptor, software bits included.
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var pgt = vm.Kvm.Pgt;
        Assert.Equal(Errno.Ok, pgt.Map(new Ipa(Gpa), Sizes.PageSize, new Pfn(0x200), S2Prot.R, Cache(), swBits: 2));
        vm.Kvm.Oracle.Stage2Mapped(pgt, new Ipa(Gpa), Sizes.PageSize, new Pfn(0x200), S2Prot.R, swBits: 2); // as asked
        Assert.Empty(Kinds(vm));
        vm.Kvm.Oracle.Stage2Mapped(pgt, new Ipa(Gpa), Sizes.PageSize, new Pfn(0x200), S2Prot.R, swBits: 3);
        Assert.Equal([ViolationKind.Stage2MapMismatch], Kinds(vm));
        var next = new Ipa(Gpa + Sizes.PageSize); // reports are keyed by address
        Assert.Equal(Errno.Ok, pgt.Map(next, Sizes.PageSize, new Pfn(0x201), S2Prot.R, Cache()));
        Assert.True(pgt.TestClearYoung(next, Sizes.PageSize, mkold: true));
        vm.Kvm.Oracle.Stage2Mapped(pgt, next, Sizes.PageSize, new Pfn(0x201), S2Prot.R); // left old
        Assert.Equal(2, Kinds(vm).Count);
    }

    [Fact]
    public void FaultOverAnOldLeafWithTheSameOutput_RemapsItYoung()
    {
        // A fault that computed the same output as an aged leaf: stage2_pte_needs_update sees the AF differ and rewrites it.
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Read);
        var leaf = vm.Leaf(Gpa).Leaf;
        Assert.True(vm.Kvm.Pgt.TestClearYoung(new Ipa(Gpa), Sizes.PageSize, mkold: true));
        vm.Kvm.Oracle.Stage2Mapped(vm.Kvm.Pgt, new Ipa(Gpa), Sizes.PageSize, leaf.Pfn, leaf.Prot); // what a racing map sees
        Assert.Equal([ViolationKind.Stage2MapMismatch], Kinds(vm));
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Map(new Ipa(Gpa), Sizes.PageSize, leaf.Pfn, leaf.Prot, Cache()));
        Assert.True(vm.Leaf(Gpa).Leaf.Young);
    }

    [Fact]
    public void MapThatLeftNothing_IsStage2MapMismatch()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Kvm.Oracle.Stage2Mapped(vm.Kvm.Pgt, new Ipa(Gpa), Sizes.PageSize, new Pfn(0x200), S2Prot.R);
        Assert.Equal([ViolationKind.Stage2MapMismatch], Kinds(vm));
    }

    [Fact]
    public void RelaxOrMkyoungThatChangedNothing_IsStage2MapMismatch()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Map(new Ipa(Gpa), Sizes.PageSize, new Pfn(0x200), S2Prot.R, Cache()));
        vm.Kvm.Oracle.Stage2Relaxed(vm.Kvm.Pgt, new Ipa(Gpa), S2Prot.R, mkyoung: true); // new leaves are young
        Assert.Empty(Kinds(vm));
        vm.Kvm.Oracle.Stage2Relaxed(vm.Kvm.Pgt, new Ipa(Gpa), S2Prot.RW, mkyoung: false);
        Assert.Equal([ViolationKind.Stage2MapMismatch], Kinds(vm));
        Assert.True(vm.Kvm.Pgt.TestClearYoung(new Ipa(Gpa), Sizes.PageSize, mkold: true));
        vm.Kvm.Oracle.Stage2Relaxed(vm.Kvm.Pgt, new Ipa(Gpa + Sizes.PageSize - 1), S2Prot.None, mkyoung: true);
        Assert.Equal(2, Kinds(vm).Count);
    }

    /// <summary>What a racing fault sees: the leaf a map found, and the map's return as the oracle is told it.</summary>
    private static (TestVm Vm, S2Walk Before) MappedAtGpa(bool aged = false)
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Map(new Ipa(Gpa), Sizes.PageSize, new Pfn(0x200), S2Prot.RW, Cache()));
        if (aged) Assert.True(vm.Kvm.Pgt.TestClearYoung(new Ipa(Gpa), Sizes.PageSize, mkold: true));
        return (vm, vm.Leaf(Gpa));
    }

    [Fact]
    public void MapThatRewroteAnIdenticalLeaf_IsStage2MapMismatch()
    {
        // stage2_pte_needs_update: only R/W/XN differ, so the walker returns -EAGAIN and keeps RW (a rewrite drops W).
        var (vm, before) = MappedAtGpa();
        vm.Kvm.Oracle.Stage2MapReturned(vm.Kvm.Pgt, new Ipa(Gpa), Sizes.PageSize, new Pfn(0x200), S2Prot.R, 0, before, Errno.EAGAIN);
        Assert.Empty(Kinds(vm));
        vm.Kvm.Oracle.Stage2MapReturned(vm.Kvm.Pgt, new Ipa(Gpa), Sizes.PageSize, new Pfn(0x200), S2Prot.R, 0, before, Errno.Ok);
        Assert.Equal([ViolationKind.Stage2MapMismatch], Kinds(vm));
    }

    [Theory]
    [InlineData(0x300UL, S2Prot.R, (byte)0, false)]             // another output
    [InlineData(0x200UL, S2Prot.R | S2Prot.Device, (byte)0, false)] // another memory type
    [InlineData(0x200UL, S2Prot.R, (byte)1, false)]             // other software bits
    [InlineData(0x200UL, S2Prot.R, (byte)0, true)]              // the leaf there is old
    public void MapThatReturnedEagainOverALeafItMustUpdate_IsStage2MapMismatch(ulong pfn, S2Prot prot, byte sw, bool aged)
    {
        var (vm, before) = MappedAtGpa(aged);
        vm.Kvm.Oracle.Stage2MapReturned(vm.Kvm.Pgt, new Ipa(Gpa), Sizes.PageSize, new Pfn(pfn), prot, sw, before, Errno.EAGAIN);
        Assert.Equal([ViolationKind.Stage2MapMismatch], Kinds(vm));
    }

    [Fact]
    public void MapThatReturnedEagainOverNothingOrAnotherSize_IsStage2MapMismatch()
    {
        var (vm, before) = MappedAtGpa();
        vm.Kvm.Oracle.Stage2MapReturned(vm.Kvm.Pgt, new Ipa(Gpa), Sizes.PmdSize, new Pfn(0x200), S2Prot.R, 0, before, Errno.EAGAIN);
        var next = new Ipa(Gpa + Sizes.PageSize);
        vm.Kvm.Oracle.Stage2MapReturned(vm.Kvm.Pgt, next, Sizes.PageSize, new Pfn(0x201), S2Prot.R, 0, vm.Leaf(next.Value), Errno.EAGAIN);
        // unaligned (several leaves): -EAGAIN needs a leaf in the range that needs no update
        vm.Kvm.Oracle.Stage2MapReturned(vm.Kvm.Pgt, new Ipa(Gpa + 0x10000), 2 * Sizes.PageSize, new Pfn(0x300), S2Prot.R, 0, vm.Leaf(Gpa + 0x10000), Errno.EAGAIN);
        Assert.Equal(3, Kinds(vm).Count);
        vm.Kvm.Oracle.Stage2MapReturned(vm.Kvm.Pgt, new Ipa(Gpa), 2 * Sizes.PageSize, new Pfn(0x200), S2Prot.R, 0, before, Errno.EAGAIN);
        Assert.Equal(3, Kinds(vm).Count);
    }

    [Fact]
    public void RacingMapsThroughTheFaultPathWalker_ReturnWhatTheKernelDoes()
    {
        // Kvm.S2Map checks every return: an identical leaf gives -EAGAIN (W kept), an aged one is rewritten young, a read-only
        // one asked RW gives -EAGAIN too (the relax is left to the next fault), another output is replaced.
        var (vm, _) = MappedAtGpa();
        var id = vm.NextId();
        Assert.Null(vm.Kvm.TakeMmuLock(id, LockMode.Read, "racing fault"));
        var mc = Cache();
        Assert.Equal(Errno.EAGAIN, vm.Kvm.S2Map(id, new Ipa(Gpa), Sizes.PageSize, new Pfn(0x200), S2Prot.R, mc));
        Assert.Equal(S2Prot.RW, vm.Leaf(Gpa).Leaf.Perms);
        Assert.True(vm.Kvm.Pgt.TestClearYoung(new Ipa(Gpa), Sizes.PageSize, mkold: true));
        Assert.Equal(Errno.Ok, vm.Kvm.S2Map(id, new Ipa(Gpa), Sizes.PageSize, new Pfn(0x200), S2Prot.R, mc));
        Assert.Equal(Errno.EAGAIN, vm.Kvm.S2Map(id, new Ipa(Gpa), Sizes.PageSize, new Pfn(0x200), S2Prot.RW, mc));
        Assert.Equal(Errno.Ok, vm.Kvm.S2Map(id, new Ipa(Gpa), Sizes.PageSize, new Pfn(0x300), S2Prot.R, mc));
        Assert.Equal(Errno.Ok, vm.Kvm.S2Map(id, new Ipa(Gpa), 2 * Sizes.PageSize, new Pfn(0x400), S2Prot.R, mc));
        Assert.Equal(Errno.EAGAIN, vm.Kvm.S2Map(id, new Ipa(Gpa), 2 * Sizes.PageSize, new Pfn(0x400), S2Prot.R, mc));
        vm.Kvm.MmuLock.Release(id);
        Assert.Empty(Kinds(vm));
    }
}
