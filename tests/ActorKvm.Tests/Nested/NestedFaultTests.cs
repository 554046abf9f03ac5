using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Nested;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Stage2;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Nested;

/// <summary>Shadow stage-2 faults (seed 001): <c>kvm_walk_nested_s2</c>, <c>kvm_s2_handle_perm_fault</c> and the nested parts of <c>user_mem_abort</c>.</summary>
public class NestedFaultTests
{
    private const ulong Gpa = TestVm.SlotGpa;   // L1 IPA of the slot
    private const ulong L2 = 0x8000_0000;

    private static TestVm Vm(BackingKind backing, ulong size = 4 * Sizes.PmdSize, bool cacheDic = false) =>
        TestVm.WithSlot(backing, size, new KvmConfig(Nested: true, CacheDic: cacheDic));

    private static NestedS2Mmu Enter(TestVm vm, params L1S2Map[] maps)
    {
        var t = new NestedTransition(vm.Kvm, vm.NextId(), vm.Kvm.Vcpus[0], maps);
        t.RunToEnd();
        Assert.Equal(Errno.Ok, t.Result);
        return vm.Kvm.Vcpus[0].Nested!;
    }

    private static L1S2Map Map(ulong l2, ulong l1, ulong size, S2Prot perms) => new(new Ipa(l2), new Ipa(l1), size, perms);

    [Fact]
    public void ShadowLeafGoesAtTheL2Ipa_FromTheL1IpasPage_AndTheCanonicalStage2StaysEmpty()
    {
        var vm = Vm(BackingKind.Anon);
        var mmu = Enter(vm, Map(L2, Gpa + Sizes.PmdSize, Sizes.PmdSize, S2Prot.RW));
        var a = vm.Access(L2 + 0x3000, AccessKind.Write, 7);
        Assert.Equal([FaultResult.Map], a.Faults);
        Assert.Equal(Gpa + Sizes.PmdSize + 0x3000, a.Handler.State.Ipa.Value);     // ipa: canonical, memslot and pfn
        Assert.Equal(L2 + 0x3000, a.Handler.State.FaultIpa.Value);                  // fault_ipa: where the leaf goes
        Assert.True(mmu.Shadow.GetLeaf(new Ipa(L2 + 0x3000)).Valid);
        Assert.False(vm.Leaf(Gpa + Sizes.PmdSize + 0x3000).Valid);
        Assert.Equal(7UL, vm.HostRead(TestVm.SlotHva + Sizes.PmdSize + 0x3000));
        Assert.Empty(vm.Violations);
    }

    [Theory]
    [InlineData(Sizes.PageSize, Sizes.PageSize)]
    [InlineData(Sizes.PmdSize, Sizes.PmdSize)]
    public void ShadowMappingSize_IsCappedByTheL1BlockSize(ulong l1Block, ulong expected)
    {
        var vm = Vm(BackingKind.Hugetlb2M);
        var mmu = Enter(vm, Map(L2, Gpa, l1Block, S2Prot.RW));
        vm.Access(L2, AccessKind.Write, 1);
        Assert.Equal(expected, mmu.Shadow.GetLeaf(new Ipa(L2)).Leaf.Size);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void ThpPromotion_AlignsBothFaultIpaAndIpa()
    {
        var vm = Vm(BackingKind.Thp);
        Enter(vm, Map(L2 + 2 * Sizes.PmdSize, Gpa + Sizes.PmdSize, Sizes.PmdSize, S2Prot.RW));
        var a = vm.Access(L2 + 2 * Sizes.PmdSize + 0x5000, AccessKind.Write, 1);
        Assert.Equal(Sizes.PmdSize, a.Handler.State.MapSize);
        Assert.Equal(L2 + 2 * Sizes.PmdSize, a.Handler.State.FaultIpa.Value);
        Assert.Equal(Gpa + Sizes.PmdSize, a.Handler.State.Ipa.Value);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void UnmappedL2Ipa_IsL1sTranslationFault_AtTheLevelOfL1sWalk_AndTheVcpuReturnsToL1()
    {
        var vm = Vm(BackingKind.Anon);
        Enter(vm, Map(L2, Gpa, Sizes.PageSize, S2Prot.RW));
        var a = vm.Access(L2 + Sizes.PageSize, AccessKind.Read); // same L1 level-3 table, no entry
        Assert.Equal(AccessExitKind.InjectL1, a.Exit.Kind);
        Assert.Equal(FscCodes.Translation(3), a.Handler.InjectedL1Fsc);
        Assert.Null(vm.Kvm.Vcpus[0].Nested);
        Enter(vm, Map(L2, Gpa, Sizes.PageSize, S2Prot.RW));
        var far = vm.Access(0x1_0000_0000, AccessKind.Read); // nothing under L1's level-1 entry
        Assert.Equal(FscCodes.Translation(1), far.Handler.InjectedL1Fsc);
    }

    [Theory]
    [InlineData(AccessKind.Write, S2Prot.R, true)]   // write, L1 read-only: L1's fault
    [InlineData(AccessKind.Exec, S2Prot.RW, true)]   // fetch, L1 not executable: L1's fault
    [InlineData(AccessKind.Exec, S2Prot.RWX, false)] // fetch, L1 executable: the shadow is lazy, L0 relaxes
    [InlineData(AccessKind.Write, S2Prot.RW, false)] // write on a shadow leaf made read-only by L0 (read first): L0 fixes it
    public void PermissionFaultOnTheShadow_IsForwardedOnlyWhenL1ForbidsTheAccess(AccessKind kind, S2Prot l1Perms, bool forwarded)
    {
        var vm = Vm(BackingKind.Anon);
        Enter(vm, Map(L2, Gpa, Sizes.PmdSize, l1Perms));
        vm.Access(L2, AccessKind.Read); // zero page: a read-only shadow leaf
        var a = vm.Access(L2, kind, kind == AccessKind.Write ? 1UL : 0);
        if (forwarded)
        {
            Assert.Equal(AccessExitKind.InjectL1, a.Exit.Kind);
            Assert.Equal(FscCodes.Permission(2), a.Handler.InjectedL1Fsc); // L1's 2M leaf is at level 2
        }
        else
        {
            Assert.Equal(AccessExitKind.Ok, a.Exit.Kind);
        }
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void ShadowNeverGrantsMoreThanL1_EvenWithCacheDic()
    {
        var vm = Vm(BackingKind.Anon, cacheDic: true);
        var mmu = Enter(vm, Map(L2, Gpa, Sizes.PmdSize, S2Prot.R));
        vm.Access(L2, AccessKind.Read);
        Assert.Equal(S2Prot.R, mmu.Shadow.GetLeaf(new Ipa(L2)).Leaf.Perms);
    }

    [Fact]
    public void HostInvalidationOfTheL1Page_TearsDownTheShadowLeaf()
    {
        var vm = Vm(BackingKind.Anon);
        var mmu = Enter(vm, Map(L2, Gpa, Sizes.PmdSize, S2Prot.RW));
        vm.Access(L2 + 0x1000, AccessKind.Write, 2);
        Assert.True(mmu.Shadow.GetLeaf(new Ipa(L2 + 0x1000)).Valid);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.Migrate, TestVm.SlotHva + 0x1000));
        Assert.False(mmu.Shadow.GetLeaf(new Ipa(L2 + 0x1000)).Valid);
        vm.Kvm.Oracle.CheckAll();
        Assert.Empty(vm.Violations);
        Assert.Equal(2UL, vm.Access(L2 + 0x1000, AccessKind.Read).ReadValue);
    }

    [Fact]
    public void OracleReportsAShadowLeafThatGrantsMoreThanL1()
    {
        var vm = Vm(BackingKind.Anon);
        var mmu = Enter(vm, Map(L2, Gpa, Sizes.PageSize, S2Prot.R));
        vm.Access(L2, AccessKind.Read);
        var leaf = mmu.Shadow.GetLeaf(new Ipa(L2)).Leaf;
        // A shadow leaf L0 must never build: writable where L1 is read-only.
        mmu.Shadow.Unmap(new Ipa(L2), Sizes.PageSize);
        var mc = new Model.Stage2.KvmMmuMemoryCache();
        mc.TopUp(4);
        mmu.Shadow.Map(new Ipa(L2), Sizes.PageSize, leaf.Pfn, S2Prot.RW, mc);
        vm.Kvm.Oracle.CheckAll();
        Assert.Contains("nested-permission", vm.Violations);
    }

    [Fact]
    public void NestedEnterWithAMisalignedL1Block_IsEinval()
    {
        var vm = Vm(BackingKind.Anon);
        var t = new NestedTransition(vm.Kvm, vm.NextId(), vm.Kvm.Vcpus[0], [Map(L2 + Sizes.PageSize, Gpa, Sizes.PmdSize, S2Prot.RW)]);
        t.RunToEnd();
        Assert.Equal(Errno.EINVAL, t.Result);
        Assert.Null(vm.Kvm.Vcpus[0].Nested);
    }

    [Theory]
    [InlineData(Sizes.PageSize, 3)]
    [InlineData(Sizes.PmdSize, 2)]
    public void ShadowLeaf_CarriesTheL1LeafsLevelAsItsHint(ulong l1Block, int level)
    {
        // adjust_nested_fault_perms: prot |= kvm_encode_nested_level(nested); a relax keeps the leaf's bits.
        var vm = Vm(BackingKind.Anon);
        var mmu = Enter(vm, Map(L2, Gpa, l1Block, S2Prot.R | S2Prot.W));
        vm.Access(L2, AccessKind.Read);
        vm.Access(L2, AccessKind.Write, 1);
        var leaf = mmu.Shadow.GetLeaf(new Ipa(L2)).Leaf;
        Assert.Equal(level, leaf.SwBits & KvmWalkNestedS2.NvGuestMapSz);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void ShadowLeafWithAnotherHint_IsNestedLevelHint()
    {
        // get_guest_mapping_ttl sizes an L1 TLBI without TTL from the hint: 4K where L1 mapped 2M unmaps too little.
        var vm = Vm(BackingKind.Anon);
        var mmu = Enter(vm, Map(L2, Gpa, Sizes.PmdSize, S2Prot.R | S2Prot.W));
        vm.Access(L2, AccessKind.Read);
        var leaf = mmu.Shadow.GetLeaf(new Ipa(L2)).Leaf;
        var mc = new KvmMmuMemoryCache();
        Assert.Equal(Errno.Ok, mc.TopUp(8));
        Assert.Equal(Errno.Ok, mmu.Shadow.Map(new Ipa(L2), Sizes.PageSize, leaf.Pfn, leaf.Prot, mc, swBits: 3));
        vm.Kvm.Oracle.Check();
        Assert.Contains(ViolationKind.NestedLevelHint, vm.Kinds);
    }
}
