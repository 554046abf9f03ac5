using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Oracle;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Oracle;

/// <summary>
/// Rule <c>invalidation-not-ended</c> (<c>KvmOracle.Notifier</c>): each planted test replays an MMU-notifier invalidation with
/// one of its closing steps left out and must see the violation at rest; the faithful twin runs the model's own
/// copy-on-write break and host operation and must see none.
/// </summary>
public class NotifierRulesTests
{
    private const ulong Hva = TestVm.SlotHva;

    private static List<ViolationKind> Kinds(TestVm vm) => vm.Kvm.Oracle.Violations.Select(v => v.Kind).ToList();

    [Fact]
    public void CopyOnWriteBreakAndHostOperation_EndEveryInvalidation()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(TestVm.SlotGpa, AccessKind.Read); // the zero page, mapped by stage 2 too
        var store = new HostAccess(vm.Kvm, vm.NextId(), new Hva(Hva), write: true, value: 5);
        store.RunToEnd(); // do_wp_page: a copy-on-write break under an invalidation
        Assert.Equal(Errno.Ok, store.Result);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.Migrate, Hva));
        vm.Kvm.Oracle.CheckAtRest();
        Assert.Empty(Kinds(vm));
        Assert.Equal(0, vm.Kvm.Notifier.MnActiveInvalidateCount);
    }

    [Fact]
    public void ActiveCountNotDroppedAfterACopyOnWriteBreak_IsInvalidationNotEnded()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var id = vm.NextId();
        var (start, end) = (new Hva(Hva), new Hva(Hva + Sizes.PageSize));
        Assert.Null(vm.Kvm.TakeMmuLock(id, LockMode.Write, "copy-on-write invalidation"));
        vm.Kvm.Notifier.ActiveInvalidateStart();
        vm.Kvm.InvalidateRangeStart(id, start, end);
        vm.Kvm.InvalidateRangeEnd(id, start, end);
        vm.Kvm.MmuLock.Release(id); // ActiveInvalidateEnd left out
        vm.Kvm.Oracle.CheckAtRest();
        Assert.Equal([ViolationKind.InvalidationNotEnded], Kinds(vm));
    }

    [Fact]
    public void RangeEndLeftOut_IsInvalidationNotEnded()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var id = vm.NextId();
        Assert.Null(vm.Kvm.TakeMmuLock(id, LockMode.Write, "invalidate_range_start"));
        vm.Kvm.Notifier.ActiveInvalidateStart();
        vm.Kvm.InvalidateRangeStart(id, new Hva(Hva), new Hva(Hva + Sizes.PageSize));
        vm.Kvm.MmuLock.Release(id);
        vm.Kvm.Notifier.ActiveInvalidateEnd(); // kvm_mmu_invalidate_end left out: in-progress stays raised
        vm.Kvm.Oracle.CheckAtRest();
        Assert.Equal([ViolationKind.InvalidationNotEnded], Kinds(vm));
    }
}
