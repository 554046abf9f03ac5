using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Stage2;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Oracle;

/// <summary>
/// The rules on one guest access (<c>KvmOracle.Access</c>): each test plants the mistake the rule exists for and must see
/// the typed violation; its twin runs the faithful model through the same access and must see none.
/// </summary>
public class AccessRulesTests
{
    private const ulong Gpa = TestVm.SlotGpa, Hva = TestVm.SlotHva;

    // --- lost-write seen by a guest load ---------------------------------------------------------------------------

    [Fact]
    public void GuestLoadAfterMigration_SeesTheLastWrite()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 42);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.Migrate, Hva));
        Assert.Equal(42UL, vm.Access(Gpa, AccessKind.Read).ReadValue);
        Assert.Equal(42UL, vm.Access(Gpa, AccessKind.Atomic, 7).ReadValue);
        Assert.Equal(7UL, vm.Access(Gpa, AccessKind.LoadNoSyndrome).ReadValue);
        Assert.Empty(vm.Kinds);
    }

    [Theory]
    [InlineData(AccessKind.Read)]
    [InlineData(AccessKind.Atomic)]
    public void GuestLoadOfAPageThatLostItsContent_IsLostWrite(AccessKind kind)
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 42);
        vm.Kvm.Phys.Write(vm.Leaf(Gpa).Leaf.PfnAt(new Ipa(Gpa)), 0); // as if a host copy had dropped the page's content
        vm.Access(Gpa, kind, 5);
        Assert.Equal([ViolationKind.LostWrite], vm.Kinds);
    }

    // --- exit-without-cause ---------------------------------------------------------------------------------------

    [Theory]
    [InlineData(AccessKind.Write, false, "mmio")]
    [InlineData(AccessKind.StoreNoSyndrome, false, "enosys")]
    [InlineData(AccessKind.StoreNoSyndrome, true, "nisv")]
    [InlineData(AccessKind.Cmo, false, "skip-cm")]
    public void AccessOutsideEveryMemslot_ExitsWithItsCause(AccessKind kind, bool nisvToUser, string exit)
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(NisvToUser: nisvToUser));
        Assert.Equal(exit, vm.Access(Gpa + 4 * Sizes.PmdSize, kind, 1).Exit.Name);
        Assert.Empty(vm.Kinds);
    }

    [Theory]
    [InlineData(AccessExitKind.Mmio)]
    [InlineData(AccessExitKind.SkipCm)]
    [InlineData(AccessExitKind.InjectSizeFault)]
    [InlineData(AccessExitKind.InjectIabt)]
    [InlineData(AccessExitKind.MemoryFault)] // kvm_prepare_memory_fault_exit is gmem_abort's alone
    public void RamAccessEndingInAnExitItCannotCause_IsExitWithoutCause(AccessExitKind planted)
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var holder = vm.NextId();
        var h = new KvmHandleGuestAbort(vm.Kvm, vm.Kvm.Vcpus[0], holder);
        h.Begin(GuestAbort.At(new Ipa(Gpa), Drive.Dabt(Drive.Xlate, wnr: true)));
        h.Exit = new AccessExit(planted); // as if the handler had misclassified a store to RAM
        vm.Kvm.Oracle.FaultCompleted(holder, h);
        Assert.Equal([ViolationKind.ExitWithoutCause], vm.Kinds);
    }

    [Fact]
    public void EmulationExitAgainstTheSyndrome_IsExitWithoutCause()
    {
        // No memslot: emulated, but the store has a valid syndrome, so it must be mmio, not nisv.
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(NisvToUser: true));
        var holder = vm.NextId();
        var h = new KvmHandleGuestAbort(vm.Kvm, vm.Kvm.Vcpus[0], holder);
        h.Begin(GuestAbort.At(new Ipa(Gpa + 4 * Sizes.PmdSize), Drive.Dabt(Drive.Xlate, wnr: true)));
        h.Exit = new AccessExit(AccessExitKind.Nisv);
        vm.Kvm.Oracle.FaultCompleted(holder, h);
        Assert.Equal([ViolationKind.ExitWithoutCause], vm.Kinds);
    }

    // --- dirty-release-mismatch -----------------------------------------------------------------------------------

    [Theory]
    [InlineData(AccessKind.Write)]
    [InlineData(AccessKind.Read)]
    public void FaultThatMaps_ReleasesItsPageDirtyExactlyWhenWritable(AccessKind kind)
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, kind, 1);
        Assert.Empty(vm.Kinds);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void FaultReleasingItsPageAgainstWhatItMapped_IsDirtyReleaseMismatch(bool dirty)
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var a = vm.Start(Gpa, AccessKind.Write, 1);
        Drive.Until(a, "map"); // a writable leaf is installed; the page is released at complete
        var h = a.Handler;
        var page = h.State.Page!;
        if (!dirty) Assert.True((h.State.Mapping.Prot & S2Prot.W) != 0);
        else h.Result = FaultResult.Spurious; // as if the map had found the entry changed
        vm.Kvm.Oracle.PageReleased(a.Id, page, vm.Kvm.Mm.PutPage(page, dirty), dirty);
        Assert.Equal([ViolationKind.DirtyReleaseMismatch], vm.Kinds);
    }

    // --- srcu-not-released ----------------------------------------------------------------------------------------

    [Fact]
    public void FaultEndingInsideTheSrcuReadSection_IsSrcuNotReleased()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var a = vm.Start(Gpa, AccessKind.Write, 1);
        Drive.Until(a, "memslot-lookup"); // srcu_read_lock taken
        Assert.True(vm.Kvm.Srcu.Holds(a.Id));
        vm.Kvm.Oracle.FaultCompleted(a.Id, a.Handler); // as if an exit path skipped srcu_read_unlock
        Assert.Equal([ViolationKind.SrcuNotReleased], vm.Kinds);
    }

    [Fact]
    public void ReadSectionOpenAtRest_IsSrcuNotReleased()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        vm.Kvm.Oracle.CheckAtRest();
        Assert.Empty(vm.Kinds);
        vm.Kvm.Srcu.ReadLock(vm.NextId());
        vm.Kvm.Oracle.CheckAtRest();
        Assert.Equal([ViolationKind.SrcuNotReleased], vm.Kinds);
    }

    // --- wrong-memtype (Normal-NC) and oversized-block (PFNMAP window) --------------------------------------------

    [Fact]
    public void NormalNcLeafOverDeviceMemory_IsWrongMemtype()
    {
        // Normal-NC needs VM_ALLOW_ANY_UNCACHED, which no model VMA has: device memory is mapped Device.
        var vm = TestVm.WithSlot(BackingKind.Device, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Read);
        var leaf = vm.Leaf(Gpa).Leaf;
        Assert.Equal(MemType.Device, leaf.MemType);
        Assert.Empty(vm.Kinds);
        vm.Kvm.Pgt.Unmap(leaf.Ipa, leaf.Size);
        var mc = new KvmMmuMemoryCache();
        Assert.Equal(Errno.Ok, mc.TopUp(8));
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Map(leaf.Ipa, leaf.Size, leaf.Pfn, S2Prot.R | S2Prot.NormalNc, mc));
        vm.Kvm.Oracle.Check();
        Assert.Equal([ViolationKind.WrongMemtype], vm.Kinds);
    }

    [Fact]
    public void PfnmapBlockWhoseWindowRunsPastTheVma_IsOversizedUnlessTheFaultRecordedTheFinding()
    {
        // A 3M device VMA: the block at its last 2M-aligned HVA would run 1M past vm_end. The kernel's ALIGN(hva, size) <=
        // vm_end passes it (the finding pfnmap-block-past-vma-end, recorded when a fault maps it); the oracle's own statement
        // of the rule (the whole window inside the VMA) does not, so a block nobody recorded is oversized.
        const ulong deviceSize = 3 * Sizes.PmdSize / 2;
        var vm = new TestVm().Vma(Hva, deviceSize, BackingKind.Device)
            .Vma(Hva + deviceSize, 2 * Sizes.PmdSize - deviceSize, BackingKind.Anon)
            .Slot(0, Gpa, 2 * Sizes.PmdSize, Hva);
        var mc = new KvmMmuMemoryCache();
        Assert.Equal(Errno.Ok, mc.TopUp(8));
        var blockHva = new Hva(Hva + Sizes.PmdSize);
        var pfn = new Pfn(vm.Kvm.Mm.FindVma(blockHva)!.PageIndexOf(blockHva));
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Map(new Ipa(Gpa + Sizes.PmdSize), Sizes.PmdSize, pfn, S2Prot.R | S2Prot.Device, mc));
        vm.Kvm.Oracle.Check();
        Assert.Contains(ViolationKind.OversizedBlock, vm.Kinds);
    }

    [Theory]
    [InlineData(0UL, false)]                 // the block-aligned hva the kernel's test lets through: the finding
    [InlineData(5 * Sizes.PageSize, true)]   // ALIGN(hva, 2M) is past vm_end there: no fault at that hva may claim it
    public void PastEndFindingClaimedByAFault_ExcusesTheBlockOnlyAtABlockAlignedHva(ulong hvaOffset, bool oversized)
    {
        const ulong deviceSize = 3 * Sizes.PmdSize / 2;
        var vm = new TestVm().Vma(Hva, deviceSize, BackingKind.Device)
            .Vma(Hva + deviceSize, 2 * Sizes.PmdSize - deviceSize, BackingKind.Anon)
            .Slot(0, Gpa, 2 * Sizes.PmdSize, Hva);
        var blockHva = new Hva(Hva + Sizes.PmdSize);
        var pfn = new Pfn(vm.Kvm.Mm.FindVma(blockHva)!.PageIndexOf(blockHva));
        var state = new KvmS2Fault
        {
            FaultIpa = new Ipa(Gpa + Sizes.PmdSize),
            Pfn = pfn,
            Prot = S2Prot.R | S2Prot.Device,
            Mapping = new KvmS2FaultMapping(Sizes.PmdSize, S2Prot.R | S2Prot.Device, false),
            Vma = new VmaInfo(Sizes.PmdShift, false, true, false, false, false, Sizes.PageShift, BlockPastVmaEnd: true),
        };
        var desc = new S2FaultDesc(0, new Ipa(Gpa + Sizes.PmdSize + hvaOffset), vm.Kvm.Memslots.ById(0)!, blockHva + hvaOffset, FaultIsPerm: false);
        vm.Kvm.Oracle.FaultMapped(vm.NextId(), GuestAbort.At(desc.FaultIpa, Drive.Dabt(Drive.Xlate)), desc, state);
        var mc = new KvmMmuMemoryCache();
        Assert.Equal(Errno.Ok, mc.TopUp(8));
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Map(state.FaultIpa, Sizes.PmdSize, pfn, S2Prot.R | S2Prot.Device, mc));
        vm.Kvm.Oracle.Check();
        Assert.Equal(oversized, vm.Kinds.Contains(ViolationKind.OversizedBlock));
    }

    // --- exit-without-cause: -EFAULT and the pre-fault's SIGBUS ----------------------------------------------------

    [Fact]
    public void AccessAfterTheVmaWasUnmapped_FailsEfaultWithItsCause()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.Munmap, Hva, Sizes.PmdSize));
        Assert.Equal("efault", vm.Access(Gpa, AccessKind.Read).Exit.Name);
        Assert.Empty(vm.Kinds);
    }

    [Fact]
    public void EfaultOnMemoryTheHostServes_IsExitWithoutCause()
    {
        // Anon memory, readable and writable, in a VM without MTE: nothing in user_mem_abort can fail it with -EFAULT.
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var a = vm.Start(Gpa, AccessKind.Write, 1);
        Drive.Until(a, "memslot-lookup");
        var h = a.Handler;
        h.Exit = AccessExit.Fail(Errno.EFAULT);
        vm.Kvm.Srcu.ReadUnlock(a.Id);
        vm.Kvm.Oracle.FaultCompleted(a.Id, h);
        Assert.Equal([ViolationKind.ExitWithoutCause], vm.Kinds);
    }

    [Fact]
    public void EfaultOnDeviceMemoryInAnMteVm_IsExitWithoutCause()
    {
        // Non-cacheable PFNMAP under an existing slot: s2_force_noncacheable skips the MTE re-check, so the kernel maps it.
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(Mte: true));
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.Munmap, Hva, Sizes.PmdSize));
        Drive.ToEnd(new HostMmap(vm.Kvm, vm.NextId(), new Hva(Hva), Sizes.PmdSize, BackingKind.Device, HostProt.Read | HostProt.Write, shared: true));
        var a = vm.Start(Gpa, AccessKind.Read);
        Drive.Until(a, "pfn-faultin");
        a.Handler.Exit = AccessExit.Fail(Errno.EFAULT); // as if the MTE check had ignored s2_force_noncacheable
        vm.Kvm.Srcu.ReadUnlock(a.Id);
        vm.Kvm.Oracle.FaultCompleted(a.Id, a.Handler);
        Assert.Equal([ViolationKind.ExitWithoutCause], vm.Kinds);
    }

    [Theory]
    [InlineData(AccessExitKind.Errno)]
    [InlineData(AccessExitKind.SigbusHwpoison)]
    public void GmemFaultFailingWithoutAMemoryFaultExit_IsExitWithoutCause(AccessExitKind planted)
    {
        // A poisoned guest_memfd page: gmem_abort fails kvm_gmem_get_pfn and prepares KVM_EXIT_MEMORY_FAULT.
        var vm = TestVm.WithSlot(BackingKind.GuestMemfd, Sizes.PmdSize, flags: MemslotFlags.GuestMemfd);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.Poison, Hva));
        var a = vm.Access(Gpa, AccessKind.Read);
        Assert.Equal(AccessExitKind.MemoryFault, a.Exit.Kind);
        Assert.Empty(vm.Kinds);
        var b = vm.Start(Gpa, AccessKind.Read);
        Drive.Until(b, "memslot-lookup");
        b.Handler.Exit = planted == AccessExitKind.Errno ? AccessExit.Fail(Errno.EFAULT) : new AccessExit(planted);
        vm.Kvm.Srcu.ReadUnlock(b.Id);
        vm.Kvm.Oracle.FaultCompleted(b.Id, b.Handler);
        Assert.Contains(ViolationKind.ExitWithoutCause, vm.Kinds); // a SIGBUS is also wrong-sigbus-lsb: gmem_abort has no VMA shift
    }

    [Fact]
    public void PreFaultThatSendsSigbus_IsExitWithoutCause()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var holder = vm.NextId();
        var h = new KvmHandleGuestAbort(vm.Kvm, vm.Kvm.Vcpus[0], holder);
        var abort = GuestAbort.At(new Ipa(Gpa), Drive.Dabt(Drive.Xlate, isv: false));
        h.BeginAt(abort, new S2FaultDesc(0, new Ipa(Gpa), vm.Kvm.Memslots.ById(0)!, new Hva(Hva), FaultIsPerm: false, Prefault: true));
        h.Exit = new AccessExit(AccessExitKind.SigbusHwpoison); // as if the pre-fault had signalled the VMM
        h.State.SigbusLsb = h.State.Vma.VmaShift; // with the right shift: only the signal itself is wrong
        vm.Kvm.Oracle.FaultCompleted(holder, h);
        Assert.Equal([ViolationKind.ExitWithoutCause], vm.Kinds);
    }

    // --- lock-violation: mmu_lock left held -----------------------------------------------------------------------

    [Fact]
    public void FaultEndingWithMmuLockHeld_IsLockViolation()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var a = vm.Start(Gpa, AccessKind.Write, 1);
        Drive.Until(a, "mmu-lock");
        vm.Kvm.Srcu.ReadUnlock(a.Id);
        vm.Kvm.Oracle.FaultCompleted(a.Id, a.Handler); // as if an exit path skipped kvm_fault_unlock (and the page release)
        Assert.Equal([ViolationKind.LockViolation, ViolationKind.PageRefLeak], vm.Kinds);
        vm.Kvm.Oracle.CheckSrcuLeft(); // at rest, too
        Assert.Equal(2, vm.Kinds.Count(k => k == ViolationKind.LockViolation));
    }

    // --- pin-accounting -------------------------------------------------------------------------------------------

    [Fact]
    public void ProtectedFaults_ChargeEveryPinTheyHold()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(Protected: true));
        vm.Access(Gpa, AccessKind.Write, 1);
        vm.Access(Gpa + Sizes.PageSize, AccessKind.Read);
        Assert.Equal(2UL, vm.Kvm.Mm.LongTermPins);
        vm.Kvm.Oracle.CheckAtRest();
        Assert.Empty(vm.Kinds);
    }

    [Fact]
    public void PinNotChargedToPinnedVm_IsPinAccounting()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(Protected: true));
        vm.Access(Gpa, AccessKind.Write, 1);
        Assert.Equal(HostFaultStatus.Ok, vm.Kvm.Mm.PinUserPage(new Hva(Hva + Sizes.PageSize)).Status); // no account_locked_vm
        vm.Kvm.Oracle.CheckAtRest();
        Assert.Equal([ViolationKind.PinAccounting], vm.Kinds);
    }
}
