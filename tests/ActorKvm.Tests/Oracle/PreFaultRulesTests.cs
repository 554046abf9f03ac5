using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Oracle;

/// <summary>
/// The rules on what <c>KVM_PRE_FAULT_MEMORY</c> returns and leaves (<c>KvmOracle.PreFault</c>): each test plants the
/// mistake — a return, a stop or a leaf the ioctl should not have left — and must see the typed violation; its twin
/// runs the faithful model through the same request and must see none.
/// </summary>
public class PreFaultRulesTests
{
    private const ulong Gpa = TestVm.SlotGpa, Hva = TestVm.SlotHva;

    private static PreFaultMemory PreFault(TestVm vm, ulong gpa, ulong size) => new(vm.Kvm, vm.NextId(), vm.Kvm.Vcpus[0], new Ipa(gpa), size);

    /// <summary>Hands <paramref name="pf"/>, already returned and then altered by the test, to the oracle again as a fresh return.</summary>
    private static void ReturnedAgain(TestVm vm, PreFaultMemory pf) => vm.Kvm.Oracle.Stepped(pf, StepResult.Finished(null));

    [Theory]
    [InlineData(0x10UL, 4096UL, Errno.EINVAL)]            // unaligned gpa
    [InlineData(0UL, 4096UL + 0x200, Errno.EINVAL)]      // unaligned size
    [InlineData(0UL, 0UL, Errno.EINVAL)]                 // empty
    [InlineData(0UL, 2 * 4096UL, Errno.Ok)]
    [InlineData(2UL << 20, 4096UL, Errno.ENOENT)]        // past the slot: no memslot
    public void FaithfulPreFault_ReturnsWhatItsChecksGive(ulong offset, ulong size, Errno want)
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var pf = PreFault(vm, Gpa + offset, size);
        Drive.ToEnd(pf);
        Assert.Equal(want, pf.Result);
        Assert.Empty(vm.Kinds);
    }

    [Fact]
    public void InvalidRangeAnsweredOk_IsPrefaultResultMismatch()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var pf = PreFault(vm, Gpa + 0x10, Sizes.PageSize);
        Drive.ToEnd(pf);
        pf.Result = Errno.Ok; // as if the argument checks had let it through
        ReturnedAgain(vm, pf);
        Assert.Equal([ViolationKind.PrefaultResultMismatch], vm.Kinds);
    }

    [Theory]
    [InlineData(Errno.ENOENT)] // a slot is there
    [InlineData(Errno.Ok)]     // stopped "done" with a page left
    public void StopTheVmDoesNotExplain_IsPrefaultResultMismatch(Errno stoppedBy)
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var pf = PreFault(vm, Gpa, 2 * Sizes.PageSize);
        Drive.ToEnd(pf);
        Assert.Empty(vm.Kinds);
        (pf.NextGpa, pf.Remaining, pf.StoppedBy, pf.Result) = (new Ipa(Gpa + Sizes.PageSize), Sizes.PageSize, stoppedBy, Errno.Ok);
        ReturnedAgain(vm, pf);
        Assert.Equal([ViolationKind.PrefaultResultMismatch], vm.Kinds);
    }

    [Fact]
    public void PreFaultGoingOnAfterItsFaultFailed_IsPrefaultResultMismatch()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        var pf = PreFault(vm, Gpa, Sizes.PageSize);
        pf.Step(); // the argument checks and the memslot lookup
        // As if the synthetic fault at gpa had returned -EFAULT just now, and the loop had carried on past it.
        var h = new KvmHandleGuestAbort(vm.Kvm, vm.Kvm.Vcpus[0], pf.Id);
        var slot = vm.Kvm.Memslots.ById(0)!;
        h.BeginAt(GuestAbort.At(new Ipa(Gpa), Drive.Dabt(Drive.Xlate)), new S2FaultDesc(0, new Ipa(Gpa), slot, new Hva(Hva), FaultIsPerm: false, Prefault: true));
        h.State.Ret = Errno.EFAULT;
        vm.Kvm.Oracle.FaultCompleted(pf.Id, h);
        Drive.ToEnd(pf);
        Assert.Equal(Errno.Ok, pf.Result);
        Assert.Equal([ViolationKind.PrefaultResultMismatch], vm.Kinds);
    }

    [Fact]
    public void PreFaultWhoseFaultFails_StopsThereWithItsError()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.Munmap, Hva + Sizes.PageSize));
        var pf = PreFault(vm, Gpa, 3 * Sizes.PageSize);
        Drive.ToEnd(pf);
        Assert.Equal((Errno.Ok, Errno.EFAULT, Gpa + Sizes.PageSize), (pf.Result, pf.StoppedBy, pf.NextGpa.Value));
        Assert.Empty(vm.Kinds);
    }

    [Theory]
    [InlineData(true, false)]  // aged while the ioctl ran: it may end old
    [InlineData(false, true)]  // made old with no aging the oracle saw: as if the pre-fault had not set the access flag
    public void ProcessedLeafLeftOld_IsPrefaultRangeUnmappedUnlessAged(bool aging, bool violation)
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        vm.Access(Gpa + Sizes.PageSize, AccessKind.Write, 2);
        var pf = PreFault(vm, Gpa, 2 * Sizes.PageSize);
        pf.Step(); // checks, lookup of page 0
        pf.Step(); // page 0: an existing leaf, young
        var observer = vm.Kvm.Pgt.Observer;
        if (!aging) vm.Kvm.Pgt.Observer = null;
        vm.Kvm.Pgt.TestClearYoung(new Ipa(Gpa), Sizes.PageSize, mkold: true);
        vm.Kvm.Pgt.Observer = observer;
        Drive.ToEnd(pf);
        Assert.Equal(Errno.Ok, pf.Result);
        Assert.False(vm.Leaf(Gpa).Leaf.Young);
        Assert.Equal(violation ? [ViolationKind.PrefaultRangeUnmapped] : [], vm.Kinds);
    }
}
