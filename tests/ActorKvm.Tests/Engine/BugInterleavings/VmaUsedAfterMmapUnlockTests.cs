using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>vma-used-after-mmap-unlock</c> (MTE guest): a read fault paused after its faultin, i.e. after
/// <c>mmap_read_unlock</c>, while the host munmaps the VMA. With the switch on the fault dereferences the freed VMA
/// (its flags for MTE) before retrying; with it off it uses only what it copied under the lock. Both retry and the
/// re-fault finds no VMA (-EFAULT).
/// </summary>
public class VmaUsedAfterMmapUnlockTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "vma-used-after-mmap-unlock";
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    public VmaUsedAfterMmapUnlockTests() : base(EngineConfig.Load()) { }

    private (InterleavingHarness H, GuestAccess F) FaultPausedAfterFaultinWhileHostMunmaps(bool on)
    {
        var h = BugTwin.Slot(this, Bug, on, BackingKind.Anon, Sizes.PmdSize, new KvmConfig(Mte: true));
        h.HostWrite(Hva, 1);
        var f = h.Access(Gpa, AccessKind.Read);
        h.StepUntil(f, "pfn-faultin");
        BugTwin.HostOpToEnd(h, HostOp.Munmap, Hva, Sizes.PmdSize);
        h.StepToEnd(f);
        Assert.Equal([FaultResult.Retry], f.Faults);
        Assert.Equal(AccessExit.Fail(Errno.EFAULT), f.Exit);
        return (h, f);
    }

    [Fact]
    public void SwitchOn_FaultPausedAfterMmapUnlockWhileHostMunmaps_UsesTheFreedVma()
    {
        var (h, _) = FaultPausedAfterFaultinWhileHostMunmaps(on: true);
        BugTwin.AssertOnlyViolation(h, ViolationKind.FreedVmaUse);
    }

    [Fact]
    public void SwitchOff_SameInterleaving_NeverTouchesTheVma()
    {
        var (h, _) = FaultPausedAfterFaultinWhileHostMunmaps(on: false);
        BugTwin.AssertNoViolation(h);
    }
}
