using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Host;

/// <summary>
/// <c>mmap(MAP_FIXED)</c> over a mapped range (<see cref="HostOp.MmapFixed"/>): <c>mmap_region</c> unmaps the old VMA in
/// one invalidation and maps the new one under the same <c>mmap_write_lock</c>.
/// </summary>
public class MmapFixedTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    private static HostOperation MmapFixed(TestVm vm, BackingKind backing) =>
        new(vm.Kvm, vm.NextId(), new Hva(Hva), Sizes.PmdSize, backing, HostProt.Read | HostProt.Write);

    [Fact]
    public void MmapFixedOverAHugetlbVma_ReplacesItInOneInvalidation_AndTheNextFaultMapsA4KPage()
    {
        var vm = TestVm.WithSlot(BackingKind.Hugetlb2M, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 5);
        Assert.Equal(Sizes.PmdSize, vm.Leaf(Gpa).Leaf.Size);
        var old = vm.Kvm.Mm.FindVma(new Hva(Hva))!;
        var seq = vm.Kvm.Notifier.MmuInvalidateSeq;

        var op = MmapFixed(vm, BackingKind.Anon);
        Drive.ToEnd(op);

        Assert.Equal(Errno.Ok, op.Result);
        Assert.Equal(seq + 1, vm.Kvm.Notifier.MmuInvalidateSeq);
        Assert.False(vm.Leaf(Gpa).Valid);
        Assert.True(old.Dead);
        Assert.False(vm.Kvm.Mm.FindVma(new Hva(Hva))!.IsHugetlb);
        Assert.Equal(0UL, vm.Access(Gpa, AccessKind.Read).ReadValue); // fresh anonymous memory
        Assert.Equal(Sizes.PageSize, vm.Leaf(Gpa).Leaf.Size);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void MmapFixedOfHugetlbOverAnonMemory_GivesTheNextFaultA2MBlock()
    {
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(Gpa, AccessKind.Write, 5);
        Drive.ToEnd(MmapFixed(vm, BackingKind.Hugetlb2M));
        Assert.True(vm.Kvm.Mm.FindVma(new Hva(Hva))!.IsHugetlb);
        vm.Access(Gpa + Sizes.PageSize, AccessKind.Read);
        Assert.Equal(Sizes.PmdSize, vm.Leaf(Gpa).Leaf.Size);
        Assert.Empty(vm.Violations);
    }

    private static (TestVm Vm, GuestAccess Fault) FaultPausedAfterVmaSnapshotWhileMmapFixedReplacesTheHugetlbVma(bool bugOn)
    {
        var vm = TestVm.WithSlot(BackingKind.Hugetlb2M, Sizes.PmdSize, bugs: bugOn ? new BugSet([MmuSeqSnapshotAfterVmaUnlock.Name]) : null);
        var f = vm.Start(Gpa, AccessKind.Read);
        Drive.Until(f, "vma-snapshot");
        Drive.ToEnd(MmapFixed(vm, BackingKind.Anon));
        Drive.ToEnd(f);
        vm.Kvm.Oracle.CheckAll();
        return (vm, f);
    }

    [Fact]
    public void FaultPausedAfterVmaSnapshotWhileMmapFixedReplacesTheHugetlbVma_RetriesAndMaps4K()
    {
        var (vm, f) = FaultPausedAfterVmaSnapshotWhileMmapFixedReplacesTheHugetlbVma(bugOn: false);
        Assert.Equal([FaultResult.Retry, FaultResult.Map], f.Faults);
        Assert.Equal(Sizes.PageSize, vm.Leaf(Gpa).Leaf.Size);
        Assert.Empty(vm.Violations);
    }

    [Fact]
    public void SwitchOn_SameInterleaving_MapsTheStaleHugePageSize()
    {
        var (vm, f) = FaultPausedAfterVmaSnapshotWhileMmapFixedReplacesTheHugetlbVma(bugOn: true);
        Assert.Equal([FaultResult.Map], f.Faults);
        Assert.Contains(ViolationKind.StaleMapping.Name(), vm.Violations);
    }
}
