using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Fault;

/// <summary><c>pkvm_mem_abort</c>: faults of protected VMs (seed 002).</summary>
public class PkvmMemAbortTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    private static TestVm Protected(BackingKind backing = BackingKind.Thp, int vcpus = 1) =>
        TestVm.WithSlot(backing, Sizes.PmdSize, new KvmConfig(Vcpus: vcpus, Protected: true));

    private static Folio FolioAt(TestVm vm, ulong gpa) => vm.Kvm.Phys.FolioOf(vm.Leaf(gpa).Leaf.Pfn)!;

    [Fact]
    public void TranslationFault_PinsLongTermAccountsOnePageAndMapsPageSizeRwx()
    {
        var vm = Protected();
        var a = vm.Access(Gpa + 0x3000, AccessKind.Read);
        Assert.Equal([FaultResult.Map], a.Faults);
        var leaf = vm.Leaf(Gpa + 0x3000).Leaf;
        Assert.Equal(Sizes.PageSize, leaf.Size); // THP memory, still no block
        Assert.Equal(S2Prot.RWX, leaf.Perms);
        var folio = FolioAt(vm, Gpa + 0x3000);
        Assert.Equal(1, folio.PinCount);          // one pin, even on a 2M folio
        Assert.Equal(1UL, vm.Kvm.Mm.LockedVm);    // one page accounted
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs); // the pin is not a fault reference to release
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void FaultTakesTheWriteSideOfMmuLock()
    {
        var vm = Protected();
        Assert.True(vm.Kvm.MmuLock.TryAcquire(999, LockMode.Read));
        var a = vm.Start(Gpa, AccessKind.Read);
        Drive.Until(a, "pfn-faultin");
        var r = a.Step();
        Assert.Equal(StepStatus.Blocked, r.Status);
        Assert.Equal(LockMode.Write, r.Wait!.Lock);
        vm.Kvm.MmuLock.Release(999);
        Drive.ToEnd(a);
        Assert.Equal([FaultResult.Map], a.Faults);
    }

    [Fact]
    public void AccountingBeyondMemlockLimit_FailsBeforePinning()
    {
        var vm = Protected();
        vm.Kvm.Mm.LockedVmLimit = 0;
        var a = vm.Access(Gpa, AccessKind.Read);
        Assert.Equal(Errno.ENOMEM, a.Exit.Errno);
        Assert.False(vm.Leaf(Gpa).Valid);
        Assert.Equal(0UL, vm.Kvm.Mm.LockedVm);
    }

    [Fact]
    public void SharedFilePage_IsRefused_AndThePinAndAccountingAreUndone()
    {
        var vm = new TestVm(new KvmConfig(Protected: true)).Vma(Hva, Sizes.PmdSize, BackingKind.File, shared: true).Slot(0, Gpa, Sizes.PmdSize, Hva);
        var a = vm.Access(Gpa, AccessKind.Read);
        Assert.Equal(Errno.EIO, a.Exit.Errno);
        Assert.False(vm.Leaf(Gpa).Valid);
        Assert.Equal(0UL, vm.Kvm.Mm.LockedVm);
        Assert.True(vm.Kvm.Mm.PageTable.TryGet(new Hva(Hva), out var pte));
        Assert.Equal(0, pte.Folio!.PinCount);
    }

    [Fact]
    public void PoisonedPage_SendsSigbusWithPageShift_AndUndoesTheAccounting()
    {
        var vm = Protected(BackingKind.Anon);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.Poison, Hva));
        var a = vm.Access(Gpa, AccessKind.Read);
        Assert.Equal(AccessExitKind.SigbusHwpoison, a.Exit.Kind);
        Assert.Equal(Sizes.PageShift, a.Handler.State.SigbusLsb);
        Assert.Equal(0UL, vm.Kvm.Mm.LockedVm);
    }

    [Fact]
    public void AccessFlagFault_IsHandledBeforeTheProtectedDispatch_NoSecondPin()
    {
        var vm = Protected();
        vm.Access(Gpa, AccessKind.Write, 1);
        new AgeOperation(vm.Kvm, vm.NextId(), new Ipa(Gpa), Sizes.PageSize).RunToEnd();
        var a = vm.Access(Gpa, AccessKind.Read);
        Assert.Equal([FaultResult.Young], a.Faults);
        Assert.Equal(1, FolioAt(vm, Gpa).PinCount);
        Assert.Equal(1UL, vm.Kvm.Mm.LockedVm);
    }

    [Fact]
    public void TwoVcpusFaultTheSamePage_TheLoserUnpinsAndUnaccounts()
    {
        var vm = Protected(vcpus: 2);
        var a = vm.Start(Gpa, AccessKind.Read, vcpu: 0);
        var b = vm.Start(Gpa, AccessKind.Read, vcpu: 1);
        Drive.Until(a, "pfn-faultin");
        Drive.Until(b, "pfn-faultin");
        Assert.Equal(2, vm.Kvm.Phys.FolioOf(a.Handler.State.Pfn)!.PinCount);
        Drive.ToEnd(a);
        Drive.ToEnd(b);
        Assert.Equal([FaultResult.Map], a.Faults);
        Assert.Equal([FaultResult.Spurious], b.Faults);
        Assert.Equal(1, FolioAt(vm, Gpa).PinCount);
        Assert.Equal(1UL, vm.Kvm.Mm.LockedVm);
    }

    [Fact]
    public void PinnedPage_CannotMigrateOrSplit_AndHostInvalidationsLeaveTheProtectedStage2Alone()
    {
        var vm = Protected();
        vm.Access(Gpa, AccessKind.Write, 5);
        var pfn = vm.Leaf(Gpa).Leaf.Pfn;
        Assert.Equal(Errno.EBUSY, vm.RunHostOp(HostOp.Migrate, Hva));
        Assert.Equal(Errno.EBUSY, vm.RunHostOp(HostOp.ThpSplitFolio, Hva));
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.Munmap, Hva, Sizes.PmdSize));
        Assert.Equal(pfn, vm.Leaf(Gpa).Leaf.Pfn);
        Assert.Equal(5UL, vm.Access(Gpa, AccessKind.Read).ReadValue);
        vm.Kvm.Oracle.CheckAll();
        Assert.Empty(vm.Violations);
    }
}
