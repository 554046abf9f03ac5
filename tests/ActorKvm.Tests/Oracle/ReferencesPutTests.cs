using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Oracle;

/// <summary>
/// <c>CheckReferencesPut</c>: with nothing in flight the host holds no GUP reference. The planted mistake is a
/// <c>get_user_pages</c> whose <c>put_page</c> never comes (as a release path that drops the put but keeps the fault's
/// bookkeeping); the faithful faults, host writes and harvests leave none.
/// </summary>
public class ReferencesPutTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    private static List<ViolationKind> Kinds(TestVm vm) => vm.Kvm.Oracle.Violations.Select(v => v.Kind).ToList();

    [Fact]
    public void FaultsAndHostWork_PutEveryReference()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 7);
        vm.Access(Gpa + Sizes.PageSize, AccessKind.Read, 0);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.Migrate, Hva));
        vm.Access(Gpa, AccessKind.Exec, 0);
        vm.Kvm.Oracle.CheckReferencesPut();
        Assert.Equal(0, vm.Kvm.Mm.GupRefsHeld);
        Assert.Empty(Kinds(vm));
    }

    [Fact]
    public void ReferenceTakenAndNeverPut_IsPageRefLeak()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 1);
        var r = vm.Kvm.Mm.FaultIn(new Hva(Hva), write: false, takeRef: true);
        Assert.Equal(HostFaultStatus.Ok, r.Status);
        vm.Kvm.Oracle.CheckReferencesPut();
        Assert.Equal([ViolationKind.PageRefLeak], Kinds(vm));

        Assert.True(vm.Kvm.Mm.PutPage(r.Folio!, dirty: false));
        Assert.Equal(0, vm.Kvm.Mm.GupRefsHeld);
    }
}
