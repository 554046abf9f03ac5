using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.Interleavings;

/// <summary>
/// Two vCPUs fault the same page, gated on the actor engine (scenario <c>race-two-vcpus-same-page-spurious</c>):
/// vCPU 1 maps it while vCPU 0 is paused after its faultin; vCPU 0 then finds the identical leaf installed,
/// <c>kvm_pgtable_stage2_map</c> returns -EAGAIN and <c>user_mem_abort</c> treats it as handled (spurious). One leaf,
/// no second map, and both page references are released.
/// </summary>
public class TwoVcpusFaultTheSamePageTests : Akka.TestKit.Xunit2.TestKit
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    public TwoVcpusFaultTheSamePageTests() : base(EngineConfig.Load()) { }

    [Fact]
    public void SecondVcpuToReachMmuLockFindsThePageMapped_IsSpuriousWithOneLeafAndBalancedReferences()
    {
        var h = new InterleavingHarness(this, TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(Vcpus: 2)));
        var a = h.Access(Gpa, AccessKind.Write, 1, vcpu: 0);
        h.StepUntil(a, "pfn-faultin");
        var page = Assert.IsType<Folio>(a.Handler.State.Page);
        Assert.Equal(1, page.GupRefs);

        var b = h.AccessToEnd(Gpa, AccessKind.Write, 2, vcpu: 1);
        Assert.Equal([FaultResult.Map], b.Faults);
        var first = h.Vm.Leaf(Gpa);
        Assert.True(first.Valid);
        Assert.Equal(Sizes.PageSize, first.Leaf.Size);
        Assert.Equal(S2Prot.RW, first.Leaf.Perms);
        Assert.Equal(1, page.GupRefs); // vCPU 1 released its own reference; vCPU 0 still holds one
        var seq = h.Kvm.Notifier.MmuInvalidateSeq;

        // vCPU 0 passes the retry check (nothing invalidated), and its map finds the same leaf: -EAGAIN, spurious.
        h.StepUntil(a, "retry-check");
        Assert.Equal(seq, a.Handler.State.MmuSeq);
        h.StepUntil(a, "map");
        Assert.Equal(FaultResult.Spurious, a.Handler.Result);
        Assert.Equal(first, h.Vm.Leaf(Gpa)); // the leaf vCPU 1 installed, untouched
        h.StepToEnd(a);

        Assert.Equal([FaultResult.Spurious], a.Faults);
        Assert.Equal(AccessExit.Completed, a.Exit);
        Assert.Equal(0, page.GupRefs);
        Assert.Equal(first.Leaf.PfnAt(new Ipa(Gpa)), h.HostPfn(Hva));

        // vCPU 0's write re-executed through vCPU 1's mapping; a later read does not fault at all.
        var r = h.AccessToEnd(Gpa, AccessKind.Read, vcpu: 1);
        Assert.Empty(r.Faults);
        Assert.Equal(1UL, r.ReadValue);
        Assert.Equal(1UL, h.HostRead(Hva));
        h.AssertCleanAndBalanced();
    }
}
