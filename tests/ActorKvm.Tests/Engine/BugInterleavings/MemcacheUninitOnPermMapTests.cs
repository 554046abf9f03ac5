using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>memcache-uninit-on-perm-map</c> (no DIC): a writable 2M block is write-protected by enabling logging,
/// then an exec permission fault must split it. With the switch on the split allocates from a vCPU memcache that was
/// never topped up for permission faults (-ENOMEM); with it off the cache is set up and the fault maps a 4K RX page.
/// </summary>
public class MemcacheUninitOnPermMapTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "memcache-uninit-on-perm-map";
    private const ulong Gpa = TestVm.SlotGpa;

    public MemcacheUninitOnPermMapTests() : base(EngineConfig.Load()) { }

    private (InterleavingHarness H, GuestAccess X) ExecPermFaultSplittingWriteProtectedBlock(bool on)
    {
        var h = BugTwin.Slot(this, Bug, on, BackingKind.Hugetlb2M, Sizes.PmdSize, new KvmConfig(CacheDic: false));
        h.AccessToEnd(Gpa, AccessKind.Write, 1);
        Assert.Equal(Sizes.PmdSize, h.Vm.Leaf(Gpa).Leaf.Size);
        BugTwin.SetLogging(h, 0, on: true);
        return (h, h.AccessToEnd(Gpa + 0x1000, AccessKind.Exec));
    }

    [Fact]
    public void SwitchOn_ExecPermFaultSplittingBlock_AllocatesFromUninitialisedMemcache()
    {
        var (h, x) = ExecPermFaultSplittingWriteProtectedBlock(on: true);
        Assert.Equal(AccessExit.Fail(Errno.ENOMEM), x.Exit);
        BugTwin.AssertOnlyViolation(h, ViolationKind.UninitialisedMemcache);
    }

    [Fact]
    public void SwitchOff_SameFault_MapsA4KExecutablePage()
    {
        var (h, x) = ExecPermFaultSplittingWriteProtectedBlock(on: false);
        Assert.Equal([FaultResult.Map], x.Faults);
        var leaf = h.Vm.Leaf(Gpa + 0x1000).Leaf;
        Assert.Equal(Sizes.PageSize, leaf.Size);
        Assert.Equal(S2Prot.R | S2Prot.X, leaf.Perms);
        BugTwin.AssertNoViolation(h);
    }
}
