using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Fault;

/// <summary>Consequences of <c>kvm_is_write_fault</c> and <c>kvm_vcpu_trap_is_exec_fault</c>.</summary>
public class WriteFaultTests
{
    private const ulong Gpa = TestVm.SlotGpa;

    [Fact]
    public void StageOneWalkTranslationFaultWithWnR_IsAReadAndMapsReadOnlySlotReadOnly()
    {
        // kvm_is_write_fault: S1PTW -> write only for a permission fault, so a RO slot maps read-only instead of MMIO
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, flags: MemslotFlags.ReadOnly);
        var h = Drive.Abort(vm, Drive.Dabt(Drive.Xlate, wnr: true, s1ptw: true), Gpa);
        Assert.Null(h.Exit);
        Assert.Equal(FaultResult.Map, h.Result);
        Assert.Equal(S2Prot.None, vm.Leaf(Gpa).Leaf.Prot & S2Prot.W);
    }

    [Fact]
    public void StageOneWalkPermissionFaultOnReadOnlySlot_IsAWriteAndInjectsDataAbort()
    {
        // kvm_is_write_fault: S1PTW permission fault is a write; write to RO slot on a S1 walk -> kvm_inject_sea_dabt
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, flags: MemslotFlags.ReadOnly);
        vm.Access(Gpa, AccessKind.Read);
        var h = Drive.Abort(vm, Drive.Dabt(FscCodes.Permission(3), wnr: false, s1ptw: true), Gpa);
        Assert.Equal("inject-dabt", h.Exit!.Value.Name);
    }

    [Fact]
    public void StageOneWalkFromInstructionAbort_IsNotAnExecFault()
    {
        // kvm_vcpu_trap_is_exec_fault: IABT && !S1PTW; the walk is a data access, so no X is granted
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var h = Drive.Abort(vm, Drive.Iabt(Drive.Xlate, s1ptw: true), Gpa);
        Assert.Equal(FaultResult.Map, h.Result);
        Assert.Equal(S2Prot.None, vm.Leaf(Gpa).Leaf.Prot & S2Prot.X);
    }

    [Fact]
    public void ExecOnReadOnlySlot_IsNeverAWriteAndMapsExecutable()
    {
        // kvm_is_write_fault: an IABT is never a write, so a RO slot is RAM for instruction fetches
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, flags: MemslotFlags.ReadOnly);
        var a = vm.Access(Gpa, AccessKind.Exec);
        Assert.Equal("ok", a.Exit.Name);
        Assert.Equal(S2Prot.R | S2Prot.X, vm.Leaf(Gpa).Leaf.Prot.Perms());
    }

    [Fact]
    public void ReadFaultOnUntouchedAnon_MapsZeroPageReadOnlyAndWriteLaterRemaps()
    {
        // user_mem_abort: read faults never break CoW (zero page, writable=false); the write's CoW break
        // runs an invalidation inside faultin, so the first write fault retries and the next one maps W
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Read);
        var leaf = vm.Leaf(Gpa).Leaf;
        Assert.Equal(S2Prot.R, leaf.Prot.Perms());
        Assert.Equal(vm.Kvm.Phys.ZeroPage.Head, leaf.Pfn);
        var w = vm.Access(Gpa, AccessKind.Write, 42);
        Assert.Equal(FaultResult.Retry, w.Faults[0]);
        Assert.Equal(FaultResult.Map, w.Faults[^1]);
        Assert.NotEqual(vm.Kvm.Phys.ZeroPage.Head, vm.Leaf(Gpa).Leaf.Pfn);
        Assert.Equal(42UL, vm.HostRead(TestVm.SlotHva));
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void WriteFaultOnReadOnlyPrivateFilePage_BreaksCowRetriesAndMapsTheCopy()
    {
        // __kvm_faultin_pfn(FOLL_WRITE) on a MAP_PRIVATE file page: wp_page_copy runs the notifier -> retry, then map
        var vm = TestVm.WithSlot(BackingKind.File, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Read);
        var cachePfn = vm.Leaf(Gpa).Leaf.Pfn;
        var w = vm.Access(Gpa, AccessKind.Write, 9);
        Assert.Equal([FaultResult.Retry, FaultResult.Map], w.Faults);
        Assert.NotEqual(cachePfn, vm.Leaf(Gpa).Leaf.Pfn);
        Assert.Equal(9UL, vm.HostRead(TestVm.SlotHva));
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void AtomicAccess_IsAWriteFault()
    {
        // kvm_is_write_fault: WnR is set for atomics -> FOLL_WRITE -> writable leaf
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Atomic);
        Assert.NotEqual(S2Prot.None, vm.Leaf(Gpa).Leaf.Prot & S2Prot.W);
    }

    [Fact]
    public void WritePermissionFaultOnReadOnlySharedFilePage_RelaxesInPlace()
    {
        // user_mem_abort: fault_is_perm && vma_pagesize == fault_granule -> kvm_pgtable_stage2_relax_perms
        // (MAP_SHARED file: the host upgrades the PTE in place via page_mkwrite, no invalidation)
        var vm = new TestVm().Vma(TestVm.SlotHva, Sizes.PmdSize, BackingKind.File, shared: true).Slot(0, Gpa, Sizes.PmdSize, TestVm.SlotHva);
        vm.Access(Gpa, AccessKind.Read);
        var before = vm.Leaf(Gpa).Leaf;
        Assert.Equal(S2Prot.R, before.Prot.Perms());
        var w = vm.Access(Gpa, AccessKind.Write, 9);
        Assert.Equal([FaultResult.Relax], w.Faults);
        Assert.Equal(before.Pfn, vm.Leaf(Gpa).Leaf.Pfn);
        Assert.NotEqual(S2Prot.None, vm.Leaf(Gpa).Leaf.Prot & S2Prot.W);
        Assert.Equal(9UL, vm.HostRead(TestVm.SlotHva));
    }

    [Fact]
    public void WriteToHostReadOnlyVma_FailsWithEfault()
    {
        // __kvm_faultin_pfn with FOLL_WRITE on a VMA without VM_WRITE -> KVM_PFN_ERR_FAULT -> -EFAULT
        var vm = new TestVm().Vma(TestVm.SlotHva, Sizes.PmdSize, BackingKind.Anon, HostProt.Read).Slot(0, Gpa, Sizes.PmdSize, TestVm.SlotHva);
        var a = vm.Access(Gpa, AccessKind.Write, 1);
        Assert.Equal("efault", a.Exit.Name);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
    }

    [Fact]
    public void FaultOnSlotHoleWithoutVma_FailsWithEfault()
    {
        // kvm_s2_fault_get_vma_info: vma_lookup(hva) == NULL -> -EFAULT
        var vm = new TestVm().Slot(0, Gpa, Sizes.PmdSize, TestVm.SlotHva);
        var a = vm.Access(Gpa, AccessKind.Read);
        Assert.Equal("efault", a.Exit.Name);
    }
}
