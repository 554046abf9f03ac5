using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Fault;

/// <summary>
/// <c>KVM_PRE_FAULT_MEMORY</c>: the generic loop (<c>kvm_vcpu_pre_fault_memory</c>) and arm64's
/// <c>kvm_arch_vcpu_pre_fault_memory</c> in the form the maintainers asked for (seed 004).
/// </summary>
public class PreFaultMemoryTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    private static PreFaultMemory Run(TestVm vm, ulong gpa, ulong size, int vcpu = 0)
    {
        var p = new PreFaultMemory(vm.Kvm, vm.NextId(), vm.Kvm.Vcpus[vcpu], new Ipa(gpa), size);
        Assert.Equal(StepStatus.Done, p.RunToEnd().Status);
        vm.Kvm.Oracle.Check();
        return p;
    }

    [Fact]
    public void SyntheticAbortOnAnEmptyTable_IsAReadTranslationFaultAtTheStartLevel()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var p = Run(vm, Gpa, Sizes.PageSize);
        var abort = Assert.Single(p.Aborts);
        // 40-bit IPA, 4K granule: the walk starts (and stops) at level 1.
        Assert.Equal(FscCodes.Translation(vm.Kvm.Pgt.StartLevel), abort.Esr.Fsc);
        Assert.Equal(1, vm.Kvm.Pgt.StartLevel);
        Assert.False(abort.Esr.IsWriteFault);
        Assert.Equal(Esr.EcDabtLow, abort.Esr.Ec);
        Assert.Equal(Gpa, abort.FaultIpa.Value);
    }

    [Fact]
    public void SyntheticAbortBesideAnExistingPage_CarriesTheLevelWhereTheWalkStops()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1); // builds the level-2 and level-3 tables
        var p = Run(vm, Gpa + Sizes.PageSize, Sizes.PageSize);
        Assert.Equal(FscCodes.Translation(3), Assert.Single(p.Aborts).Esr.Fsc);
        Assert.Equal([FaultResult.Map], p.Faults);
    }

    [Fact]
    public void ReadFaultSemantics_ZeroPageMappedReadOnlyAndYoung_NoCowBreak()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, 4 * Sizes.PageSize);
        var p = Run(vm, Gpa, 4 * Sizes.PageSize);
        Assert.Equal(Errno.Ok, p.Result);
        Assert.Equal(4 * Sizes.PageSize, p.Processed);
        for (ulong i = 0; i < 4; i++)
        {
            var w = vm.Leaf(Gpa + i * Sizes.PageSize);
            Assert.True(w.Valid);
            Assert.Equal(S2Prot.R, w.Leaf.Perms);
            Assert.True(w.Leaf.Young);
            Assert.Equal(vm.Kvm.Phys.ZeroPage.Head, w.Leaf.Pfn);
        }
        Assert.Empty(vm.Violations);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
    }

    [Fact]
    public void ExistingBlock_IsNotReplayed_AndTheLoopAdvancesOverItWhole()
    {
        var vm = TestVm.WithSlot(BackingKind.Thp, Sizes.PmdSize);
        vm.Access(Gpa + 0x5000, AccessKind.Write, 3);
        var before = vm.Leaf(Gpa).Leaf;
        var p = Run(vm, Gpa + Sizes.PageSize, Sizes.PmdSize - Sizes.PageSize);
        Assert.Empty(p.Aborts);
        Assert.Empty(p.Faults);
        Assert.Equal(Sizes.PmdSize - Sizes.PageSize, p.Processed);
        Assert.Equal(before, vm.Leaf(Gpa).Leaf);
    }

    [Fact]
    public void ExistingOldLeaf_GetsItsAccessFlagWithoutAFault()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        var age = new AgeOperation(vm.Kvm, vm.NextId(), new Ipa(Gpa), Sizes.PageSize);
        age.RunToEnd();
        Assert.False(vm.Leaf(Gpa).Leaf.Young);
        var p = Run(vm, Gpa, Sizes.PageSize);
        Assert.Empty(p.Aborts);
        Assert.True(vm.Leaf(Gpa).Leaf.Young);
    }

    [Fact]
    public void TheLeafCheckWaitsForMmuLock()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var p = new PreFaultMemory(vm.Kvm, vm.NextId(), vm.Kvm.Vcpus[0], new Ipa(Gpa), Sizes.PageSize);
        Assert.Equal("memslot-lookup", p.Step().Phase);
        const int writer = 999;
        Assert.True(vm.Kvm.MmuLock.TryAcquire(writer, LockMode.Write));
        var blocked = p.Step();
        Assert.Equal(StepStatus.Blocked, blocked.Status);
        Assert.Contains(writer, blocked.Wait!.On);
        Assert.Empty(p.Aborts);
        vm.Kvm.MmuLock.Release(writer);
        Assert.Equal("mmu-lock", p.Step().Phase);
        Assert.Single(p.Aborts);
    }

    [Theory]
    [InlineData(0x4000_0800UL, Sizes.PageSize, Errno.EINVAL)]      // unaligned gpa
    [InlineData(0x4000_0000UL, 0x800UL, Errno.EINVAL)]             // unaligned size
    [InlineData(0x4000_0000UL, 0UL, Errno.EINVAL)]                 // empty
    [InlineData(0xFFFF_FFFF_FFFF_F000UL, 0x2000UL, Errno.EINVAL)]  // wraps
    [InlineData(1UL << 40, Sizes.PageSize, Errno.ENOENT)]          // beyond kvm_phys_size
    [InlineData(0x3FFF_F000UL, Sizes.PageSize, Errno.ENOENT)]      // no memslot
    public void ErrorsAsTheApiDocuments(ulong gpa, ulong size, Errno expected)
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var p = Run(vm, gpa, size);
        Assert.Equal(expected, p.Result);
        Assert.Equal(0UL, p.Processed);
        Assert.False(vm.Kvm.Srcu.Holds(p.Id));
    }

    [Fact]
    public void ProtectedVm_IsEopnotsupp()
    {
        var vm = new TestVm(new KvmConfig(Protected: true));
        var p = Run(vm, Gpa, Sizes.PageSize);
        Assert.Equal(Errno.EOPNOTSUPP, p.Result);
    }

    [Fact]
    public void PartialProgress_ReturnsSuccessWithTheRangeAdvancedToTheFailure()
    {
        var vm = new TestVm().Vma(Hva, 2 * Sizes.PageSize, BackingKind.Anon).Slot(0, Gpa, 4 * Sizes.PageSize, Hva);
        var p = Run(vm, Gpa, 4 * Sizes.PageSize);
        Assert.Equal(Errno.Ok, p.Result);
        Assert.Equal(Errno.EFAULT, p.StoppedBy); // no VMA behind the third page
        Assert.Equal(2 * Sizes.PageSize, p.Processed);
        Assert.Equal(Gpa + 2 * Sizes.PageSize, p.NextGpa.Value);
    }

    [Fact]
    public void PoisonedPage_IsEhwpoisonWithoutSigbus()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.Poison, Hva));
        var p = Run(vm, Gpa, Sizes.PageSize);
        Assert.Equal(Errno.EHWPOISON, p.Result);
        Assert.Equal(-1, p.Handler.State.SigbusLsb);
        Assert.Null(p.Handler.Exit is { Kind: AccessExitKind.SigbusHwpoison } ? p.Handler.Exit : null);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void SlotBeingDeleted_IsEagain()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var s = vm.Kvm.Memslots.ById(0)!;
        var del = new MemslotUpdate(vm.Kvm, vm.NextId(), new MemslotRequest(0, s.Gpa, 0, s.UserspaceAddr, s.Flags));
        Drive.Until(del, "slot-invalidated");
        var p = Run(vm, Gpa, Sizes.PageSize);
        Assert.Equal(Errno.EAGAIN, p.Result);
        Drive.ToEnd(del);
    }

    [Fact]
    public void HugetlbBlock_AdvancesByTheMappedSize()
    {
        var vm = TestVm.WithSlot(BackingKind.Hugetlb2M, 2 * Sizes.PmdSize);
        var p = Run(vm, Gpa + Sizes.PageSize, 2 * Sizes.PmdSize - Sizes.PageSize);
        Assert.Equal([FaultResult.Map, FaultResult.Map], p.Faults);
        Assert.Equal(Sizes.PmdSize, vm.Leaf(Gpa + Sizes.PmdSize).Leaf.Size);
        Assert.Equal(2 * Sizes.PmdSize - Sizes.PageSize, p.Processed);
    }

    [Fact]
    public void MemslotDeleteWaitsForThePreFaultToLeaveSrcu()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var p = new PreFaultMemory(vm.Kvm, vm.NextId(), vm.Kvm.Vcpus[0], new Ipa(Gpa), Sizes.PageSize);
        Drive.Until(p, "vma-snapshot");
        var s = vm.Kvm.Memslots.ById(0)!;
        var del = new MemslotUpdate(vm.Kvm, vm.NextId(), new MemslotRequest(0, s.Gpa, 0, s.UserspaceAddr, s.Flags));
        StepResult r;
        do r = del.Step(); while (r.Status == StepStatus.Progressed);
        Assert.Equal(StepStatus.Blocked, r.Status);
        Assert.Contains(p.Id, r.Wait!.On);
        Drive.ToEnd(p);
        Assert.Equal(StepStatus.Done, del.RunToEnd().Status);
        Assert.False(vm.Leaf(Gpa).Valid);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void VcpuRunningL2_PopulatesTheCanonicalStage2_NeverTheShadow()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(Nested: true));
        var enter = new ActorKvm.Model.Nested.NestedTransition(vm.Kvm, vm.NextId(), vm.Kvm.Vcpus[0],
            [new ActorKvm.Model.Nested.L1S2Map(new Ipa(0x8000_0000), new Ipa(Gpa), Sizes.PmdSize, S2Prot.RW)]);
        enter.RunToEnd();
        var shadow = vm.Kvm.Vcpus[0].Nested!.Shadow;
        // gpa is an L1 IPA: 0x8000_0000 is not in any memslot of the VM, whatever L1 maps there for L2.
        Assert.Equal(Errno.ENOENT, Run(vm, 0x8000_0000, Sizes.PageSize).Result);
        var p = Run(vm, Gpa, Sizes.PageSize);
        Assert.Equal(Errno.Ok, p.Result);
        Assert.True(vm.Leaf(Gpa).Valid);
        Assert.False(shadow.GetLeaf(new Ipa(0x8000_0000)).Valid);
        Assert.Equal(Gpa, Assert.Single(p.Aborts).FaultIpa.Value);
        Assert.Same(shadow, vm.Kvm.Vcpus[0].Nested!.Shadow); // the vCPU still runs L2 afterwards
        Assert.Empty(vm.Violations);
    }
}
