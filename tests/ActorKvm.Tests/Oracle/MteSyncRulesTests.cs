using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Oracle;

/// <summary>
/// <c>mte_sync_tags</c> returns only with the tags of its page initialised: it cleared them, or
/// <c>try_page_mte_tagging</c> waited on PG_mte_lock until the holder set PG_mte_tagged
/// (arch/arm64/include/asm/mte.h, since d77e59a8fccd).
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
