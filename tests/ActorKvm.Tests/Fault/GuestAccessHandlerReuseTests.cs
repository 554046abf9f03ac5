using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Fault;

/// <summary>
/// A driver done with a vCPU's access hands it to the vCPU's next one, which takes over its fault handler instead of
/// allocating one (the workload's per-access cost): the next access must start exactly as with a new handler.
/// </summary>
public class GuestAccessHandlerReuseTests
{
    [Fact]
    public void NextAccess_TakesOverTheFinishedHandler_FromAFreshState()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, 2 * Sizes.PmdSize);
        var first = vm.Access(TestVm.SlotGpa + 0x1000, AccessKind.Write, 7);
        var handler = first.Handler;
        Assert.Equal(FaultResult.Map, handler.Result);

        // A read of the mapped page takes no fault: its handler must look new, not like the write fault before it.
        var second = Run(vm, 2, TestVm.SlotGpa + 0x1000, AccessKind.Read, first);
        Assert.Same(handler, second.Handler);
        Assert.Throws<InvalidOperationException>(() => first.Handler);
        Assert.Throws<InvalidOperationException>(() => first.Faults); // its fault list went with the handler, emptied
        Assert.Equal(7UL, second.ReadValue);
        Assert.Empty(second.Faults);
        Assert.Equal(FaultResult.None, second.Handler.Result);
        Assert.Null(second.Handler.Desc);
        Assert.Equal(default, second.Handler.State.Pfn);
        Assert.Equal(-1, second.Handler.State.SigbusLsb);

        // It then handles the next fault under the new access's identity.
        var third = Run(vm, 3, TestVm.SlotGpa + 0x5000, AccessKind.Write, second);
        Assert.Same(handler, third.Handler);
        Assert.Equal([FaultResult.Map], third.Faults);
        Assert.Equal(9UL, vm.HostRead(TestVm.SlotHva + 0x5000));
        Assert.Empty(vm.Violations);
        Assert.Equal(0, vm.Kvm.OutstandingFaultRefs);
    }

    [Fact]
    public void UnfinishedOrOtherVcpusAccess_IsNotTakenOver()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, 2 * Sizes.PmdSize, new KvmConfig(Vcpus: 2));
        var running = vm.Start(TestVm.SlotGpa, AccessKind.Write, 1);
        running.Step(); // mid-fault
        var fresh = new GuestAccess(vm.Kvm, 50, vm.Kvm.Vcpus[0], new Ipa(TestVm.SlotGpa + 0x2000), AccessKind.Read, 0, running);
        Assert.NotSame(running.Handler, fresh.Handler);

        var other = vm.Access(TestVm.SlotGpa + 0x3000, AccessKind.Write, 2, vcpu: 1);
        var onVcpu0 = new GuestAccess(vm.Kvm, 51, vm.Kvm.Vcpus[0], new Ipa(TestVm.SlotGpa + 0x3000), AccessKind.Read, 0, other);
        Assert.NotSame(other.Handler, onVcpu0.Handler);
    }

    private static GuestAccess Run(TestVm vm, int id, ulong gpa, AccessKind kind, GuestAccess previous)
    {
        var a = new GuestAccess(vm.Kvm, 100 + id, vm.Kvm.Vcpus[0], new Ipa(gpa), kind, kind == AccessKind.Write ? 9UL : 0, previous);
        Assert.Equal(StepStatus.Done, a.RunToEnd().Status);
        vm.Kvm.Oracle.Check();
        return a;
    }
}
