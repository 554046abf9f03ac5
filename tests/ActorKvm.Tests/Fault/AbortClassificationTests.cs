using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Fault;

/// <summary>ESR-driven classification in <c>kvm_handle_guest_abort</c> (rules 1.2.1 - 1.2.12).</summary>
public class AbortClassificationTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private static readonly ulong NoSlotGpa = TestVm.SlotGpa + 0x1000_0000;

    private static TestVm Anon(MemslotFlags flags = MemslotFlags.None) => TestVm.WithSlot(BackingKind.Anon, 2 * Sizes.PmdSize, flags: flags);

    [Fact]
    public void TranslationFaultBeyondHostIpaLimit_InjectsSizeFault()
    {
        // kvm_handle_guest_abort: fault_ipa >= BIT_ULL(kvm_ipa_limit) -> kvm_inject_size_fault
        var vm = Anon();
        var a = vm.Access(1UL << vm.Kvm.Config.IpaLimit, AccessKind.Read);
        Assert.Equal("inject-size-fault", a.Exit.Name);
        Assert.Empty(a.Faults);
    }

    [Theory]
    [InlineData(AccessKind.Read, "inject-dabt")]
    [InlineData(AccessKind.Write, "inject-dabt")]
    [InlineData(AccessKind.Exec, "inject-iabt")]
    public void TranslationFaultBeyondVmIpaSizeWithinLimit_InjectsExternalAbortOfTheAccessType(AccessKind kind, string exit)
    {
        // kvm_handle_guest_abort: fault_ipa >= BIT_ULL(VTCR_EL2_IPA(vtcr)) -> kvm_inject_sea(vcpu, is_iabt, fault_ipa)
        var vm = Anon();
        var a = vm.Access(vm.Kvm.Config.PhysSize + 0x1000, kind);
        Assert.Equal(exit, a.Exit.Name);
        Assert.Empty(a.Faults);
    }

    [Fact]
    public void ReadWithNoMemslot_ExitsToUserspaceAsMmio()
    {
        // kvm_handle_guest_abort: kvm_is_error_hva(hva) -> io_mem_abort
        var vm = Anon();
        var a = vm.Access(NoSlotGpa, AccessKind.Read);
        Assert.Equal("mmio", a.Exit.Name);
        Assert.False(vm.Leaf(NoSlotGpa).Valid);
    }

    [Fact]
    public void WriteToReadOnlySlot_ExitsAsMmioWithoutMapping()
    {
        // kvm_handle_guest_abort: write_fault && !writable -> io_mem_abort (KVM_EXIT_MMIO write)
        var vm = Anon(MemslotFlags.ReadOnly);
        var a = vm.Access(Gpa, AccessKind.Write, 3);
        Assert.Equal("mmio", a.Exit.Name);
        Assert.False(vm.Leaf(Gpa).Valid);
        Assert.Equal(0UL, vm.HostRead(TestVm.SlotHva));
    }

    [Fact]
    public void ReadFromReadOnlySlot_MapsReadOnly()
    {
        // kvm_handle_guest_abort / user_mem_abort: a read of a READONLY slot is RAM, mapped without W
        var vm = Anon(MemslotFlags.ReadOnly);
        var a = vm.Access(Gpa, AccessKind.Read);
        Assert.Equal("ok", a.Exit.Name);
        Assert.True(vm.Leaf(Gpa).Valid);
        Assert.Equal(S2Prot.None, vm.Leaf(Gpa).Leaf.Prot & S2Prot.W);
    }

    [Fact]
    public void MmioWriteWithoutSyndrome_FailsWithEnosys()
    {
        // io_mem_abort: !kvm_vcpu_dabt_isvalid and no KVM_CAP_ARM_NISV_TO_USER -> -ENOSYS
        var vm = Anon();
        var h = Drive.Abort(vm, Drive.Dabt(Drive.Xlate, wnr: true, isv: false), NoSlotGpa);
        Assert.Equal("enosys", h.Exit!.Value.Name);
    }

    [Fact]
    public void CacheMaintenanceOutsideAnySlot_IsSkipped()
    {
        // kvm_handle_guest_abort: kvm_is_error_hva(hva) && kvm_vcpu_dabt_is_cm -> kvm_incr_pc
        var vm = Anon();
        var a = vm.Access(NoSlotGpa, AccessKind.Cmo);
        Assert.Equal("skip-cm", a.Exit.Name);
    }

    [Fact]
    public void CacheMaintenanceOnReadOnlySlot_IsEmulatedNotSkipped_AndFailsEnosysWithoutSyndrome()
    {
        // kvm_handle_guest_abort: only a CM abort with no slot is skipped; a CM "write" to a RO slot goes to
        // io_mem_abort, and cache maintenance carries no valid syndrome: -ENOSYS
        var vm = Anon(MemslotFlags.ReadOnly);
        var a = vm.Access(Gpa, AccessKind.Cmo);
        Assert.Equal("enosys", a.Exit.Name);
    }

    [Fact]
    public void ExecWithNoMemslot_InjectsPrefetchAbort()
    {
        // kvm_handle_guest_abort: kvm_vcpu_trap_is_iabt && no hva -> -ENOEXEC -> kvm_inject_sea_iabt
        var vm = Anon();
        var a = vm.Access(NoSlotGpa, AccessKind.Exec);
        Assert.Equal("inject-iabt", a.Exit.Name);
        Assert.False(vm.Leaf(NoSlotGpa).Valid);
    }

    [Fact]
    public void StageOneWalkWithNoMemslot_InjectsDataAbort()
    {
        // kvm_handle_guest_abort: kvm_vcpu_abt_iss1tw && no hva -> kvm_inject_sea_dabt
        var vm = Anon();
        var h = Drive.Abort(vm, Drive.Dabt(Drive.Xlate, wnr: true, s1ptw: true), NoSlotGpa);
        Assert.Equal("inject-dabt", h.Exit!.Value.Name);
    }

    [Fact]
    public void SynchronousExternalAbort_IsInjectedBeforeAnyMemslotLookup()
    {
        // kvm_handle_guest_abort: kvm_vcpu_abt_issea -> kvm_handle_guest_sea, before reading HPFAR
        var vm = Anon();
        var h = Drive.Abort(vm, Drive.Dabt(Fsc.ExtAbt), Gpa);
        Assert.Equal(AccessExitKind.InjectSerror, h.Exit!.Value.Kind);
        Assert.Null(h.Desc);
        Assert.False(vm.Leaf(Gpa).Valid);
    }

    [Fact]
    public void AddressSizeFault_IsUnsupportedAndFailsWithEfault()
    {
        // kvm_handle_guest_abort: FSC not translation/permission/access-flag -> -EFAULT
        var vm = Anon();
        var h = Drive.Abort(vm, Drive.Dabt(Fsc.AddressSizeL0), Gpa);
        Assert.Equal("efault", h.Exit!.Value.Name);
        Assert.Null(h.Desc);
    }

    [Fact]
    public void AccessFlagFault_SetsAfWithoutTakingAPageReference()
    {
        // handle_access_fault: kvm_pgtable_stage2_mkyoung under the read lock; no memcache, no seq, no page ref
        var vm = Anon();
        vm.Access(Gpa, AccessKind.Write, 1);
        var age = new Model.Notifier.AgeOperation(vm.Kvm, vm.NextId(), new Ipa(Gpa), Sizes.PageSize);
        Drive.ToEnd(age);
        Assert.True(age.Young);
        Assert.False(vm.Leaf(Gpa).Leaf.Young);
        var a = vm.Access(Gpa, AccessKind.Read);
        Assert.Equal([FaultResult.Young], a.Faults);
        Assert.True(vm.Leaf(Gpa).Leaf.Young);
        Assert.Equal(1UL, a.ReadValue);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
    }

    [Fact]
    public void AccessFlagFaultWithNoMemslot_GoesTheMmioWayFirst()
    {
        // kvm_handle_guest_abort: the memslot / MMIO checks run before handle_access_fault
        var vm = Anon();
        var h = Drive.Abort(vm, Drive.Dabt(FscCodes.AccessFlag(3)), NoSlotGpa);
        Assert.Equal("mmio", h.Exit!.Value.Name);
    }
}
