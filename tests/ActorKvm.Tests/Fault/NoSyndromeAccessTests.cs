using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Scenarios;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Fault;

/// <summary>
/// ESR ISV per access kind and <c>io_mem_abort</c>: an access that must be emulated ends <c>mmio</c> with a valid
/// syndrome, and without one -ENOSYS, <c>KVM_EXIT_ARM_NISV</c> with the capability, or a data abort in a protected VM;
/// an atomic stores its value like a write.
/// </summary>
public class NoSyndromeAccessTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;
    private const ulong NoSlot = 0x0900_0000;

    [Theory]
    [InlineData(AccessKind.Read, true)]
    [InlineData(AccessKind.Write, true)]
    [InlineData(AccessKind.LoadNoSyndrome, false)]
    [InlineData(AccessKind.StoreNoSyndrome, false)]
    [InlineData(AccessKind.Atomic, false)]
    [InlineData(AccessKind.Cmo, false)]
    public void OnlySingleRegisterLoadsAndStores_CarryAValidSyndrome(AccessKind kind, bool isv) =>
        Assert.Equal(isv, kind.HasValidSyndrome());

    [Theory]
    [InlineData(AccessKind.Read, "mmio")]
    [InlineData(AccessKind.Write, "mmio")]
    [InlineData(AccessKind.LoadNoSyndrome, "enosys")]
    [InlineData(AccessKind.StoreNoSyndrome, "enosys")]
    [InlineData(AccessKind.Atomic, "enosys")]
    [InlineData(AccessKind.Cmo, "skip-cm")]
    public void OutsideEveryMemslot_TheSyndromeDecides(AccessKind kind, string result)
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        Assert.Equal(result, vm.Access(NoSlot, kind, 1).Exit.Name);
        Assert.Empty(vm.Violations);
    }

    [Theory]
    [InlineData(AccessKind.Write, "mmio")]
    [InlineData(AccessKind.StoreNoSyndrome, "enosys")]
    [InlineData(AccessKind.Atomic, "enosys")]
    [InlineData(AccessKind.Cmo, "enosys")] // not skipped: the slot exists (kvm_is_error_hva is false)
    [InlineData(AccessKind.LoadNoSyndrome, "ok")]
    public void ReadOnlySlot_StoresWithoutSyndromeFailEnosys_LoadsRead(AccessKind kind, string result)
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, flags: MemslotFlags.ReadOnly);
        Assert.Equal(result, vm.Access(Gpa, kind, 1).Exit.Name);
        Assert.Empty(vm.Violations);
    }

    [Theory]
    [InlineData(AccessKind.StoreNoSyndrome)]
    [InlineData(AccessKind.LoadNoSyndrome)]
    [InlineData(AccessKind.Atomic)]
    public void WithNisvToUser_AnEmulatedAccessWithoutSyndrome_ExitsNisv(AccessKind kind)
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(NisvToUser: true));
        Assert.Equal(AccessExitKind.Nisv, vm.Access(NoSlot, kind, 1).Exit.Kind);
        Assert.Equal(AccessExitKind.Mmio, vm.Access(NoSlot, AccessKind.Write, 1).Exit.Kind);
    }

    [Fact]
    public void ProtectedVm_AnEmulatedAccessWithoutSyndrome_GetsADataAbort()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(Protected: true));
        Assert.Equal(AccessExitKind.InjectDabt, vm.Access(NoSlot, AccessKind.StoreNoSyndrome, 1).Exit.Kind);
        Assert.Equal(AccessExitKind.Mmio, vm.Access(NoSlot, AccessKind.Write, 1).Exit.Kind);
    }

    [Fact]
    public void StoreNoSyndrome_ToRam_StoresItsValue()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        Assert.Equal(AccessExitKind.Ok, vm.Access(Gpa, AccessKind.StoreNoSyndrome, 6).Exit.Kind);
        Assert.Equal(6UL, vm.Access(Gpa, AccessKind.LoadNoSyndrome).ReadValue);
    }

    [Fact]
    public void Atomic_StoresItsValue_ReturnsTheOld_AndIsLoggedLikeAWrite()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, flags: MemslotFlags.LogDirtyPages);
        vm.Access(Gpa + Sizes.PageSize, AccessKind.Write, 3);
        var a = vm.Access(Gpa + Sizes.PageSize, AccessKind.Atomic, 7);
        Assert.Equal(AccessExitKind.Ok, a.Exit.Kind);
        Assert.Equal(3UL, a.ReadValue);
        Assert.Equal(7UL, vm.Access(Gpa + Sizes.PageSize, AccessKind.Read).ReadValue);
        var atomicOnly = vm.Access(Gpa + 2 * Sizes.PageSize, AccessKind.Atomic, 9);
        Assert.Equal([FaultResult.Map], atomicOnly.Faults);
        var bitmap = vm.Kvm.Memslots.ById(0)!.DirtyBitmap!;
        Assert.True(bitmap.Test(2));
        Assert.Equal(9UL, vm.Kvm.Mm.Read(new Hva(Hva + 2 * Sizes.PageSize)));
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void NisvToUser_ForAProtectedVm_IsRefusedByTheLoader() =>
        ScenarioText.Error(ScenarioText.With("vm { protected = true, nisv-to-user = true }"), "vm.nisv-to-user", "protected");

    [Fact]
    public void NewAccessKinds_AreScenarioNames()
    {
        Assert.Equal(AccessKind.LoadNoSyndrome, ((global::ActorKvm.Engine.Scenarios.Definition.AccessStep)ScenarioText.Step("""{ op = access, vcpu = 0, gpa = "0x40000000", kind = load-no-syndrome }""")).Kind);
        var store = (global::ActorKvm.Engine.Scenarios.Definition.AccessStep)ScenarioText.Step("""{ op = access, vcpu = 0, gpa = "0x40000000", kind = store-no-syndrome, value = 3 }""");
        Assert.Equal((AccessKind.StoreNoSyndrome, 3UL), (store.Kind, store.Value!.Value));
        ScenarioText.Error(ScenarioText.With("""steps = [ { op = access, vcpu = 0, gpa = "0x40000000", kind = load-no-syndrome, value = 3 } ]"""), "steps[0].value");
    }
}
