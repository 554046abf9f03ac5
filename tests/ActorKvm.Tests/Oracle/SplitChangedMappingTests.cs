using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Stage2;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Oracle;

/// <summary>
/// Rule <c>split-changed-mapping</c>: the faithful eager split keeps every page of the block mapped to the same pfn
/// with the same permissions; a split that lost a page, or put another pfn under one, is caught.
/// </summary>
public class SplitChangedMappingTests
{
    private const ulong Gpa = TestVm.SlotGpa;

    private static List<ViolationKind> Kinds(TestVm vm) => vm.Kvm.Oracle.Violations.Select(v => v.Kind).ToList();

    private static TestVm WithBlock()
    {
        var vm = TestVm.WithSlot(BackingKind.Hugetlb2M, Sizes.PmdSize, new KvmConfig(EagerSplitChunk: Sizes.PmdSize));
        vm.Access(Gpa, AccessKind.Write, 1);
        Assert.True(vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Leaf.IsBlock);
        return vm;
    }

    private static KvmMmuMemoryCache Cache()
    {
        var mc = new KvmMmuMemoryCache();
        Assert.Equal(Errno.Ok, mc.TopUp(8));
        return mc;
    }

    [Fact]
    public void EagerSplitOnLoggingEnable_KeepsEveryPage()
    {
        var vm = WithBlock();
        var block = vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Leaf;
        Drive.ToEnd(vm.SetFlags(0, MemslotFlags.LogDirtyPages));
        var page = vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa + 5 * Sizes.PageSize)).Leaf;
        Assert.False(page.IsBlock);
        Assert.Equal(block.Pfn + 5, page.Pfn);
        Assert.Empty(Kinds(vm));
    }

    [Fact]
    public void SplitThatLostAPage_IsSplitChangedMapping()
    {
        var vm = WithBlock();
        vm.Kvm.Oracle.SplitStarting(new Ipa(Gpa), Sizes.PmdSize);
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Split(new Ipa(Gpa), Sizes.PmdSize, Cache()));
        vm.Kvm.Pgt.Unmap(new Ipa(Gpa + 7 * Sizes.PageSize), Sizes.PageSize); // as if the unlinked table had left it out
        vm.Kvm.Oracle.SplitFinished();
        Assert.Equal([ViolationKind.SplitChangedMapping], Kinds(vm));
    }

    [Fact]
    public void SplitThatPutAnotherPfnUnderAPage_IsSplitChangedMapping()
    {
        var vm = WithBlock();
        var block = vm.Kvm.Pgt.GetLeaf(new Ipa(Gpa)).Leaf;
        vm.Kvm.Oracle.SplitStarting(new Ipa(Gpa), Sizes.PmdSize);
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Split(new Ipa(Gpa), Sizes.PmdSize, Cache()));
        var ipa = new Ipa(Gpa + 3 * Sizes.PageSize);
        vm.Kvm.Pgt.Unmap(ipa, Sizes.PageSize);
        Assert.Equal(Errno.Ok, vm.Kvm.Pgt.Map(ipa, Sizes.PageSize, block.Pfn + 4, block.Prot, Cache())); // the next page's pfn
        vm.Kvm.Oracle.SplitFinished();
        Assert.Equal([ViolationKind.SplitChangedMapping], Kinds(vm));
    }
}
