using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Oracle;

/// <summary>
/// Rule <c>abort-syndrome-mismatch</c> (<c>KvmOracle.Syndrome</c>, called by <c>GuestAccess</c>): the planted tests hand
/// the oracle a syndrome or an outcome the stage-2 walk does not give and must see the violation; the faithful twins run
/// every access kind through translation, access-flag, permission and completed walks and must see none.
/// </summary>
public class AbortSyndromeRulesTests
{
    private const ulong Gpa = TestVm.SlotGpa;

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryAccessKind_RaisesTheSyndromeTheWalkGives(bool hwAf)
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(HwAf: hwAf));
        ulong page = 0;
        foreach (var kind in new[] { AccessKind.Read, AccessKind.Write, AccessKind.Exec, AccessKind.Atomic, AccessKind.Cmo, AccessKind.LoadNoSyndrome, AccessKind.StoreNoSyndrome })
        {
            var gpa = Gpa + page++ * Sizes.PageSize;
            vm.Access(gpa, AccessKind.Read);                     // translation fault, then a read-only or writable leaf
            Assert.True(vm.Kvm.Pgt.TestClearYoung(new Ipa(gpa), Sizes.PageSize, mkold: true));
            vm.Access(gpa, kind, 1);                             // access flag (or HA), then permission faults
            vm.Access(gpa, kind, 2);
        }
        Assert.Empty(vm.Violations);
    }

    [Theory]
    [InlineData(Esr.EcIabtLow, false, false, true)]   // a data access reported as an instruction abort
    [InlineData(Esr.EcDabtLow, true, false, true)]    // a load with WnR
    [InlineData(Esr.EcDabtLow, false, true, true)]    // a load with CM
    [InlineData(Esr.EcDabtLow, false, false, false)]  // a single-register load without ISV
    public void ReadTranslationFaultWithAnotherSyndrome_IsAbortSyndromeMismatch(uint ec, bool wnr, bool cm, bool isv)
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var level = vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Level;
        vm.Kvm.Oracle.AbortRaised(vm.Kvm.Pgt, new Ipa(Gpa), AccessKind.Read, Esr.Make(Esr.EcDabtLow, FscCodes.Translation(level)));
        Assert.Empty(vm.Kinds);
        vm.Kvm.Oracle.AbortRaised(vm.Kvm.Pgt, new Ipa(Gpa), AccessKind.Read, Esr.Make(ec, FscCodes.Translation(level), wnr, cm: cm, isv: isv));
        Assert.Equal([ViolationKind.AbortSyndromeMismatch], vm.Kinds);
    }

    [Fact]
    public void FaultOfAnotherTypeOrLevel_OrNoneDue_IsAbortSyndromeMismatch()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Read);                         // a young read-only 4K leaf over the zero page
        var o = vm.Kvm.Oracle;
        o.AbortRaised(vm.Kvm.Pgt, new Ipa(Gpa), AccessKind.Write, Esr.Make(Esr.EcDabtLow, FscCodes.Permission(3), wnr: true));
        Assert.Empty(vm.Kinds);
        o.AbortRaised(vm.Kvm.Pgt, new Ipa(Gpa), AccessKind.Write, Esr.Make(Esr.EcDabtLow, FscCodes.Permission(2), wnr: true));
        Assert.Single(vm.Kinds);                                 // another level
        o.AbortRaised(vm.Kvm.Pgt, new Ipa(Gpa + 1), AccessKind.Write, Esr.Make(Esr.EcDabtLow, FscCodes.AccessFlag(3), wnr: true));
        Assert.Equal(2, vm.Kinds.Count);                         // another type
        o.AbortRaised(vm.Kvm.Pgt, new Ipa(Gpa + 2), AccessKind.Read, Esr.Make(Esr.EcDabtLow, FscCodes.Permission(3)));
        Assert.Equal(3, vm.Kinds.Count);                         // none due: the leaf permits a read
    }

    [Fact]
    public void AccessCompletedThroughAnOldLeafOrOneThatForbidsIt_IsAbortSyndromeMismatch()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(HwAf: true));
        vm.Access(Gpa, AccessKind.Read);
        var o = vm.Kvm.Oracle;
        o.AccessCompleted(vm.Kvm.Pgt, new Ipa(Gpa), AccessKind.Read, 0);
        Assert.Empty(vm.Kinds);
        Assert.True(vm.Kvm.Pgt.TestClearYoung(new Ipa(Gpa), Sizes.PageSize, mkold: true));
        o.AccessCompleted(vm.Kvm.Pgt, new Ipa(Gpa), AccessKind.Read, 0); // HA would have set the flag
        Assert.Single(vm.Kinds);
        o.AccessCompleted(vm.Kvm.Pgt, new Ipa(Gpa + Sizes.PageSize), AccessKind.Read, 0); // no leaf at all
        Assert.Equal(2, vm.Kinds.Count);
    }

    [Fact]
    public void TagLoadReadingATagOutsideMte_IsAbortSyndromeMismatch()
    {
        // Scenarios and workloads issue tag accesses only with MTE (elsewhere LDG is UNDEFINED); the oracle states it anyway.
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Read);
        vm.Kvm.Oracle.AccessCompleted(vm.Kvm.Pgt, new Ipa(Gpa), AccessKind.TagRead, 0);
        Assert.Empty(vm.Kinds);
        vm.Kvm.Oracle.AccessCompleted(vm.Kvm.Pgt, new Ipa(Gpa), AccessKind.TagRead, 3); // tags are RAZ/WI there
        Assert.Equal([ViolationKind.AbortSyndromeMismatch], vm.Kinds);
    }

    [Theory]
    [InlineData(32, 2)]
    [InlineData(36, 1)]
    [InlineData(40, 1)]
    [InlineData(44, 0)]
    [InlineData(52, 0)]
    public void TranslationFaultInAnEmptyTable_IsAtTheStartLevelVtcrGives(int ipaBits, int startLevel)
    {
        // kvm_get_vtcr: stage2_pgtable_levels(ipa) = ARM64_HW_PGTABLE_LEVELS(ipa - 4), at least 2; SL0 names the start level.
        var vm = new TestVm(new KvmConfig(IpaBits: ipaBits, IpaLimit: 52));
        Assert.Equal(startLevel, vm.Kvm.Pgt.StartLevel);
        var ipa = new Ipa(1UL << (ipaBits - 1));
        vm.Kvm.Oracle.AbortRaised(vm.Kvm.Pgt, ipa, AccessKind.Read, Esr.Make(Esr.EcDabtLow, FscCodes.Translation(startLevel), isv: true));
        Assert.Empty(vm.Kinds);
    }

    [Fact]
    public void WalkOfATableWithOneLevelTooMany_IsAbortSyndromeMismatch()
    {
        // Planted: a 40-bit VM (VTCR_EL2.SL0: level 1) whose stage 2 was built with the geometry of 44 bits (level 0),
        // so its hardware walk reports an empty region's translation fault at level 0.
        var vm = new TestVm(new KvmConfig(IpaBits: 40));
        var wrong = new Model.Stage2.Stage2PageTable(44);
        var ipa = new Ipa(TestVm.SlotGpa);
        Assert.Equal(0, wrong.GetLeaf(ipa).Level);
        vm.Kvm.Oracle.AbortRaised(wrong, ipa, AccessKind.Read, Esr.Make(Esr.EcDabtLow, FscCodes.Translation(0), isv: true));
        Assert.Equal([ViolationKind.AbortSyndromeMismatch], vm.Kinds);
    }
}
