using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>dirty-marked-before-map-success</c>: a write fault in a logging slot whose map fails with -ENOMEM (empty
/// memcache). With the switch on the gfn is marked dirty before the map, so the bitmap reports a page never mapped
/// writable; with it off the bitmap stays clean.
/// </summary>
public class DirtyMarkedBeforeMapSuccessTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "dirty-marked-before-map-success";
    private const ulong Gpa = TestVm.SlotGpa;

    public DirtyMarkedBeforeMapSuccessTests() : base(EngineConfig.Load()) { }

    private (InterleavingHarness H, IReadOnlyList<ulong> Dirty) FailedWriteFaultThenGetDirtyLog(bool on)
    {
        var h = BugTwin.Slot(this, Bug, on, BackingKind.Anon, Sizes.PmdSize, new KvmConfig(MemcacheCapacity: 0), Model.Memslots.MemslotFlags.LogDirtyPages);
        var w = h.AccessToEnd(Gpa, AccessKind.Write, 1);
        Assert.Equal(AccessExit.Fail(Errno.ENOMEM), w.Exit);
        Assert.False(h.Vm.Leaf(Gpa).Valid);
        return (h, h.GetDirtyLog(0).Pages);
    }

    [Fact]
    public void SwitchOn_WriteFaultFailingWithEnomemUnderLogging_LeavesThePageDirty()
    {
        var (h, dirty) = FailedWriteFaultThenGetDirtyLog(on: true);
        Assert.Equal([0UL], dirty);
        BugTwin.AssertOnlyViolation(h, ViolationKind.DirtyWithoutMap);
    }

    [Fact]
    public void SwitchOff_SameFault_LeavesTheBitmapClean()
    {
        var (h, dirty) = FailedWriteFaultThenGetDirtyLog(on: false);
        Assert.Empty(dirty);
        BugTwin.AssertNoViolation(h);
    }
}
