using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Nested;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.Interleavings;

/// <summary>
/// A fault on a vCPU's shadow stage 2 paused after pinning the page behind the L1 IPA while the host migrates that page,
/// gated on the actor engine (scenario <c>race-nested-fault-during-l1-page-migrate</c>). The retry check sends the fault
/// back; after range-end it maps the new page. A shadow leaf already in place is torn down by the next migration
/// (<c>kvm_nested_s2_unmap</c>): without that the oracle reports the stale shadow leaf.
/// </summary>
public class NestedFaultDuringL1PageMigrateTests : Akka.TestKit.Xunit2.TestKit
{
    private const ulong Hva = TestVm.SlotHva;
    private const ulong L2 = 0x8000_0000;

    public NestedFaultDuringL1PageMigrateTests() : base(EngineConfig.Load()) { }

    [Fact]
    public void ShadowFaultPausedAtPfnFaultinWhileHostMigratesTheL1Page_RetriesThenMapsTheNewPage_AndLaterMigrationsUnmapTheShadow()
    {
        var h = new InterleavingHarness(this, TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new KvmConfig(Nested: true)));
        h.HostWrite(Hva + 0x1000, 5);
        h.StepToEnd(new NestedTransition(h.Kvm, h.Vm.NextId(), h.Kvm.Vcpus[0],
            [new L1S2Map(new Ipa(L2), new Ipa(TestVm.SlotGpa), Sizes.PmdSize, S2Prot.RW)]));
        var shadow = h.Kvm.Vcpus[0].Nested!.Shadow;

        var f = h.Access(L2 + 0x1000, AccessKind.Read);
        h.StepUntil(f, "pfn-faultin");
        var oldPfn = f.Handler.State.Pfn;
        var m = h.HostOp(HostOp.Migrate, Hva + 0x1000);
        h.StepUntil(m, "range-start");

        // The fault passes the lock and fails the retry check: nothing in the shadow; it waits for range-end.
        h.StepUntil(f, "complete");
        Assert.Equal([FaultResult.Retry], f.Faults);
        Assert.False(shadow.GetLeaf(new Ipa(L2 + 0x1000)).Valid);
        h.StepBlocked(f, "invalidation in progress", m);

        h.StepToEnd(m);
        Assert.Equal(Errno.Ok, m.Result);
        h.StepToEnd(f);
        Assert.Equal([FaultResult.Retry, FaultResult.Map], f.Faults);
        Assert.Equal(5UL, f.ReadValue);
        var mapped = shadow.GetLeaf(new Ipa(L2 + 0x1000)).Leaf.Pfn;
        Assert.NotEqual(oldPfn, mapped);
        Assert.Equal(h.HostPfn(Hva + 0x1000), mapped);

        // The shadow leaf is in place: the next migration must remove it.
        var again = h.HostOp(HostOp.Migrate, Hva + 0x1000);
        h.StepToEnd(again);
        Assert.False(shadow.GetLeaf(new Ipa(L2 + 0x1000)).Valid);
        h.AssertCleanAndBalanced();
    }
}
