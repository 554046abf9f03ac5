using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Host;

/// <summary>
/// Per-page MTE state: the PG_mte_lock / PG_mte_tagged claim of d77e59a8fccd, and the tags following a page's content
/// through migration, swap and THP collapse (copy_highpage, mte_save_tags / arch_swap_restore), so a guest's tags
/// survive every host operation that preserves its data.
/// </summary>
public class PageMteTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    [Fact]
    public void TryPageMteTagging_FirstClaims_OthersWaitUntilTagged_ThenNobodyInitialisesAgain()
    {
        var page = new PageMte();
        Assert.Equal(MteClaim.Claimed, page.TryPageMteTagging(1));
        Assert.Equal(MteClaim.Locked, page.TryPageMteTagging(2));
        page.MteClearPageTags();
        page.SetPageMteTagged();
        Assert.Equal(MteClaim.AlreadyTagged, page.TryPageMteTagging(2));
        Assert.True(page.Initialised);
    }

    [Fact]
    public void MteClearPageTags_ReportsWhetherStoredTagsWereWiped()
    {
        var page = new PageMte();
        Assert.False(page.MteClearPageTags());
        page.StoreTag(0x20, 5);
        Assert.Equal(5, page.TagAt(0x2f));
        Assert.Equal(0, page.TagAt(0x30));
        Assert.True(page.MteClearPageTags());
        Assert.Equal(0, page.TagAt(0x20));
    }

    [Theory]
    [InlineData(BackingKind.Anon, HostOp.Migrate)]
    [InlineData(BackingKind.Anon, HostOp.SwapOut)]
    [InlineData(BackingKind.Shmem, HostOp.Migrate)]
    [InlineData(BackingKind.Thp, HostOp.ThpSplitFolio)]
    public void GuestTag_SurvivesAHostOperationThatKeepsTheData(BackingKind backing, HostOp op)
    {
        var vm = TestVm.WithSlot(backing, Sizes.PmdSize, new KvmConfig(Mte: true));
        Assert.Equal(AccessExit.Completed, vm.Access(Gpa + 0x40, AccessKind.TagWrite, 9).Exit);
        Assert.Equal(Errno.Ok, vm.RunHostOp(op, Hva));
        Assert.Equal(9UL, vm.Access(Gpa + 0x40, AccessKind.TagRead).ReadValue);
        Assert.Empty(vm.Kvm.Oracle.Violations);
    }

    [Fact]
    public void GuestTag_SurvivesThpCollapse()
    {
        var vm = TestVm.WithSlot(BackingKind.Thp, Sizes.PmdSize, new KvmConfig(Mte: true));
        Assert.Equal(AccessExit.Completed, vm.Access(Gpa + Sizes.PageSize + 0x10, AccessKind.TagWrite, 7).Exit);
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.ThpSplitFolio, Hva));
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.ThpSplit, Hva));
        Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.ThpCollapse, Hva));
        Assert.Equal(7UL, vm.Access(Gpa + Sizes.PageSize + 0x10, AccessKind.TagRead).ReadValue);
        Assert.Empty(vm.Kvm.Oracle.Violations);
    }

    [Fact]
    public void MteSyncTags_OnlyOnSharedMteMemory_AndSecondInitialiserLeavesTaggedPageAlone()
    {
        var anon = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(Mte: true));
        var refused = new MteSyncTags(anon.Kvm, anon.NextId(), new Hva(Hva));
        refused.RunToEnd();
        Assert.Equal(Errno.EINVAL, refused.Result);

        var vm = TestVm.WithSlot(BackingKind.Shmem, Sizes.PmdSize, new KvmConfig(Mte: true));
        vm.Access(Gpa + 0x10, AccessKind.TagWrite, 3);
        var alias = new MteSyncTags(vm.Kvm, vm.NextId(), new Hva(Hva));
        alias.RunToEnd();
        Assert.Equal(Errno.Ok, alias.Result);
        Assert.Equal(3UL, vm.Access(Gpa + 0x10, AccessKind.TagRead).ReadValue);
        Assert.DoesNotContain(vm.Kvm.Oracle.Violations, v => v.Kind == ViolationKind.MteTagsLost);
    }
}
