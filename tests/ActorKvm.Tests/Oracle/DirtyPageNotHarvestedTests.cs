using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Oracle;

/// <summary>
/// Rule <c>dirty-page-not-harvested</c>: the oracle keeps its own record of the pages the guest wrote while a slot logged,
/// and every dirty-log harvest over them must report them (live migration copies only what the log reports). Each
/// planted test loses a dirty bit the way a broken bitmap would; its twin runs the faithful model.
/// </summary>
public class DirtyPageNotHarvestedTests
{
    private const ulong Gpa = TestVm.SlotGpa;

    private static DirtyBitmap Bitmap(TestVm vm) => vm.Kvm.Memslots.ById(0)!.DirtyBitmap!;

    [Fact]
    public void FaithfulHarvests_ReportEveryWrittenPage_AgainAfterTheyAreWrittenAgain()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, flags: MemslotFlags.LogDirtyPages);
        vm.Access(Gpa, AccessKind.Write, 1);
        vm.Access(Gpa + 3 * Sizes.PageSize, AccessKind.Atomic, 2);
        Assert.Equal([0UL, 3UL], vm.GetDirtyLog(0).Pages);
        Assert.Empty(vm.GetDirtyLog(0).Pages);
        vm.Access(Gpa + 3 * Sizes.PageSize, AccessKind.Write, 3);
        Assert.Equal([3UL], vm.GetDirtyLog(0).Pages);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void AGetThatLostAWrittenPagesBit_IsDirtyPageNotHarvested()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, flags: MemslotFlags.LogDirtyPages);
        vm.Access(Gpa + 3 * Sizes.PageSize, AccessKind.Write, 1);
        Bitmap(vm).TakeWord(0); // the bit is gone before the harvest, as a broken bitmap would lose it
        Assert.Empty(vm.GetDirtyLog(0).Pages);
        Assert.Contains("dirty-page-not-harvested", vm.Violations);
    }

    [Fact]
    public void ManualProtectClear_OverThePage_MustReportIt_ButARangeBesideItNeedNot()
    {
        var config = new KvmConfig(ManualDirtyProtect: true);
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, config, MemslotFlags.LogDirtyPages);
        vm.Access(Gpa + 70 * Sizes.PageSize, AccessKind.Write, 1);
        Bitmap(vm).TakeWord(1);
        Clear(vm, 0, 64);
        Assert.Empty(vm.Violations);
        Clear(vm, 64, 64);
        // The oracle's copy of the bitmap (dirty-log-mismatch) misses the bit too.
        Assert.Equal(["dirty-page-not-harvested", "dirty-log-mismatch"], vm.Violations);
    }

    [Fact]
    public void ManualProtectGetThenClear_Faithful_HasNoViolation()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(ManualDirtyProtect: true), MemslotFlags.LogDirtyPages);
        vm.Access(Gpa + 70 * Sizes.PageSize, AccessKind.Write, 1);
        Assert.Equal([70UL], vm.GetDirtyLog(0).Pages);
        Assert.Equal([70UL], Clear(vm, 64, 64).Pages);
        Assert.Empty(Clear(vm, 64, 64).Pages);
        Assert.Empty(vm.Violations);
    }

    private static DirtyLogIoctl Clear(TestVm vm, ulong first, ulong count)
    {
        var d = new DirtyLogIoctl(vm.Kvm, vm.NextId(), 0, clear: true, first, count);
        Drive.ToEnd(d);
        Assert.Equal(Errno.Ok, d.Result);
        vm.Kvm.Oracle.Check();
        return d;
    }
}
