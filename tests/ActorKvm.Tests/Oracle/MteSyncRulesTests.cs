using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Oracle;

/// <summary>
/// Rule <c>untagged-mte-page</c>, host side: <c>mte_sync_tags</c> returns only with the tags of its page initialised —
/// it cleared them, or <c>try_page_mte_tagging</c> waited on PG_mte_lock until the holder set PG_mte_tagged
/// (arch/arm64/include/asm/mte.h, since d77e59a8fccd). The planted tests make a second call return while the first
/// has not cleared (and fail if the rule is removed); the faithful twins wait and stay clean.
/// </summary>
public class MteSyncRulesTests
{
    private const ulong Hva = TestVm.SlotHva;

    private static TestVm SharedMtePage(BugSet? bugs = null) =>
        TestVm.WithSlot(BackingKind.Shmem, Sizes.PmdSize, new KvmConfig(Mte: true), bugs: bugs);

    private static MteSyncTags Sync(TestVm vm) => new(vm.Kvm, vm.NextId(), new Hva(Hva));

    private static PageMte PageOf(TestVm vm)
    {
        var (folio, pfn) = vm.Kvm.Mm.PageAt(new Hva(Hva))!.Value;
        return folio.MteAt(pfn)!;
    }

    [Fact]
    public void AnInitialiserSettingPgMteTaggedBeforeItsClear_LetsASecondSyncReturnUntagged_IsUntaggedMtePage()
    {
        var vm = SharedMtePage();
        var first = Sync(vm);
        Drive.Until(first, "mte-claim");
        // Planted: the holder releases PG_mte_lock's waiters (set_page_mte_tagged) before mte_clear_page_tags.
        PageOf(vm).SetPageMteTagged();

        var second = Sync(vm);
        Drive.ToEnd(second);

        Assert.Equal(Errno.Ok, second.Result);
        Assert.Equal([ViolationKind.UntaggedMtePage], vm.Kinds);
    }

    [Fact]
    public void SwitchOn_SecondSyncSeesTheFlagOfTheFirstsTestAndSet_ReturnsBeforeTheClear_IsUntaggedMtePage()
    {
        // Before d77e59a8fccd: test_and_set_bit(PG_mte_tagged), then the clear; the loser returns at once — the race
        // "between multiple set_pte_at() on shared pages" the fix names.
        var vm = SharedMtePage(new BugSet([MteTagInitRace.Name]));
        var first = Sync(vm);
        Drive.Until(first, "mte-claim");

        var second = Sync(vm);
        Drive.ToEnd(second);

        Assert.Equal(Errno.Ok, second.Result);
        Assert.Equal([ViolationKind.UntaggedMtePage], vm.Kinds);
        Drive.ToEnd(first);
        Assert.Equal([ViolationKind.UntaggedMtePage], vm.Kinds);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)] // the PTE zapped after the claim: the page is found in the page cache, and so is its lock
    public void SecondSync_WaitsOnPgMteLockUntilTheFirstHasCleared_ThenReturnsTagged(bool zapped)
    {
        var vm = SharedMtePage();
        var first = Sync(vm);
        Drive.Until(first, "mte-claim");
        if (zapped)
        {
            Assert.Equal(Errno.Ok, vm.RunHostOp(HostOp.MadviseDontneed, Hva));
            Assert.False(vm.Kvm.Mm.PageTable.TryGet(new Hva(Hva), out _));
        }

        var second = Sync(vm);
        var r = second.Step();
        Assert.Equal(StepStatus.Blocked, r.Status);
        Assert.Equal(WaitFor.PageMteLock, r.Wait!.For);
        Assert.Equal([first.Id], r.Wait.On);

        Drive.ToEnd(first);
        Drive.ToEnd(second);
        Assert.Equal(Errno.Ok, second.Result);
        Assert.True(PageOf(vm) is { Tagged: true, Initialised: true });
        Assert.Empty(vm.Kinds);
    }
}
