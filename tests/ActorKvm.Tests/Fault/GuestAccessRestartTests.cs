using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Fault;

/// <summary>
/// A driver done with a vCPU's finished access restarts it as the vCPU's next one instead of allocating an access, a
/// fault handler and a fault list (the workload's per-access cost): the restarted access must start exactly as a new one.
/// </summary>
public class GuestAccessRestartTests
{
    [Fact]
    public void RestartedAccess_StartsFromAFreshState_WithItsNewIdentity()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, 2 * Sizes.PmdSize);
        var access = vm.Access(TestVm.SlotGpa + 0x1000, AccessKind.Write, 7);
        var handler = access.Handler;
        Assert.Equal(FaultResult.Map, handler.Result);
        Assert.Equal([FaultResult.Map], access.Faults);

        // A read of the mapped page takes no fault: the access and its handler must look new, not like the write fault before it.
        Run(vm, access.Restart(102, new Ipa(TestVm.SlotGpa + 0x1000), AccessKind.Read, 0));
        Assert.Equal(102, access.Id);
        Assert.Equal(AccessKind.Read, access.Kind);
        Assert.Same(handler, access.Handler);
        Assert.Equal(7UL, access.ReadValue);
        Assert.Empty(access.Faults);
        Assert.Equal(AccessExit.Completed, access.Exit);
        Assert.Equal(FaultResult.None, access.Handler.Result);
        Assert.Null(access.Handler.Desc);
        Assert.Equal(default, access.Handler.State.Pfn);
        Assert.Equal(-1, access.Handler.State.SigbusLsb);

        // It then handles the next fault under the new identity, and a read value does not outlive its access.
        Run(vm, access.Restart(103, new Ipa(TestVm.SlotGpa + 0x5000), AccessKind.Write, 9));
        Assert.Equal(103, access.Handler.Holder);
        Assert.Equal([FaultResult.Map], access.Faults);
        Assert.Equal(0UL, access.ReadValue);
        Assert.Equal(9UL, vm.HostRead(TestVm.SlotHva + 0x5000));
        Assert.Empty(vm.Violations);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
    }

    [Fact]
    public void UnfinishedAccess_CannotBeRestarted()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, 2 * Sizes.PmdSize);
        var running = vm.Start(TestVm.SlotGpa, AccessKind.Write, 1);
        running.Step(); // mid-fault
        Assert.Throws<InvalidOperationException>(() => running.Restart(50, new Ipa(TestVm.SlotGpa + 0x2000), AccessKind.Read, 0));
        Assert.Equal(running.Id, running.Handler.Holder);
    }

    private static void Run(TestVm vm, GuestAccess a)
    {
        Assert.Equal(StepStatus.Done, a.RunToEnd().Status);
        vm.Kvm.Oracle.Check();
    }
}
