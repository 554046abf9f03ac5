using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>split-block-under-read-lock</c>: a writable 2M hugetlb block is write-protected by enabling dirty logging;
/// two vCPUs write two pages of it, both paused at <c>thp-adjust</c> before either takes <c>mmu_lock</c>, then resumed
/// one after the other. With the switch on each splits the block on the shared-lock fast path although it does not
/// own the entry: the second split replaces the first vCPU's table, which leaks with its leaf; with it off the second
/// vCPU installs its leaf in the table the first one built.
/// </summary>
public class SplitBlockUnderReadLockTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "split-block-under-read-lock";
    private const ulong Gpa = TestVm.SlotGpa;

    public SplitBlockUnderReadLockTests() : base(EngineConfig.Load()) { }

    private InterleavingHarness TwoVcpusSplitTheSameBlock(bool on)
    {
        var h = BugTwin.Slot(this, Bug, on, BackingKind.Hugetlb2M, Sizes.PmdSize, new KvmConfig(Vcpus: 2));
        h.AccessToEnd(Gpa, AccessKind.Write, 9);
        Assert.Equal(Sizes.PmdSize, h.Vm.Leaf(Gpa).Leaf.Size);
        BugTwin.SetLogging(h, 0, on: true);

        var a = h.Access(Gpa + 0x1000, AccessKind.Write, 1, vcpu: 0);
        var b = h.Access(Gpa + 0x2000, AccessKind.Write, 2, vcpu: 1);
        h.StepUntil(a, "thp-adjust");
        h.StepUntil(b, "thp-adjust");
        h.StepToEnd(a);
        h.StepToEnd(b);
        Assert.Equal([FaultResult.Map], a.Faults);
        Assert.Equal([FaultResult.Map], b.Faults);

        var leafB = h.Vm.Leaf(Gpa + 0x2000);
        Assert.True(leafB.Valid);
        Assert.Equal(Sizes.PageSize, leafB.Leaf.Size);
        Assert.Equal(S2Prot.RW, leafB.Leaf.Perms);
        return h;
    }

    [Fact]
    public void SwitchOn_TwoVcpusPausedBeforeTheLockThenSplitTheSameBlock_LeaksTheFirstTable()
    {
        var h = TwoVcpusSplitTheSameBlock(on: true);
        Assert.False(h.Vm.Leaf(Gpa + 0x1000).Valid);
        BugTwin.AssertOnlyViolation(h, ViolationKind.LeakedTablePage);
    }

    [Fact]
    public void SwitchOff_SameInterleaving_OneTableHoldsBothLeaves()
    {
        var h = TwoVcpusSplitTheSameBlock(on: false);
        var leafA = h.Vm.Leaf(Gpa + 0x1000);
        Assert.True(leafA.Valid);
        Assert.Equal(Sizes.PageSize, leafA.Leaf.Size);
        BugTwin.AssertNoViolation(h);
    }
}
