using ActorKvm.Model.Host;

namespace ActorKvm.Tests.Host;

public class PhysicalMemoryTests
{
    [Fact]
    public void FreedFolio_StaysFindableAsFreedForAWhile_ThenLeavesTheIndex()
    {
        var phys = new PhysicalMemory();
        var first = phys.Allocate(0, BackingKind.Anon);
        phys.Free(first);
        Assert.True(phys.FolioOf(first.Head)!.Freed); // a stale mapping of it is still recognised as freed

        Folio last = first;
        for (var i = 0; i < 20_000; i++)
        {
            last = phys.Allocate(i % 2 == 0 ? 0 : 9, BackingKind.Thp);
            phys.Free(last);
        }

        Assert.Null(phys.FolioOf(first.Head)); // long gone: a long run's memory stays flat
        Assert.True(phys.FolioOf(last.Head)!.Freed);
        Assert.Equal(0, phys.LiveFolios); // zero pages are not counted
    }
}
