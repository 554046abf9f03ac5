using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Notifier;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.Interleavings;

/// <summary>
/// <c>KVM_PRE_FAULT_MEMORY</c> on a running VM, gated phase by phase on the actor engine (the ioctl runs on its vCPU's
/// actor): against a host invalidation (scenario <c>race-prefault-during-migrate</c>) and against a guest write fault
/// on another vCPU that maps the page first.
/// </summary>
public class PreFaultRacesTests : Akka.TestKit.Xunit2.TestKit
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    public PreFaultRacesTests() : base(EngineConfig.Load()) { }

    private static PreFaultMemory PreFault(InterleavingHarness h, ulong gpa, ulong size, int vcpu = 0) =>
        new(h.Kvm, h.Vm.NextId(), h.Kvm.Vcpus[vcpu], new Ipa(gpa), size);

    /// <summary>The pre-fault pinned the old page; a migration's invalidation is in progress when it takes the lock.</summary>
    private static (PreFaultMemory P, HostOperation M) PausePreFaultAcrossMigrateStart(InterleavingHarness h)
    {
        h.HostWrite(Hva, 7);
        var p = PreFault(h, Gpa, Sizes.PageSize);
        h.StepUntil(p, "pfn-faultin");
        var m = h.HostOp(HostOp.Migrate, Hva);
        h.StepUntil(m, "range-start");
        h.StepToEnd(p);
        return (p, m);
    }

    [Fact]
    public void PreFaultPinnedThePageWhileMigrationStarts_RetriesAndMapsNothingStale()
    {
        var h = new InterleavingHarness(this, TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize));
        var (p, m) = PausePreFaultAcrossMigrateStart(h);
        Assert.Equal([FaultResult.Retry], p.Faults);
        Assert.Equal(Errno.Ok, p.Result);
        Assert.Equal(Sizes.PageSize, p.Processed); // a retry is progress: the kernel never promises the range stays mapped
        Assert.False(h.Vm.Leaf(Gpa).Valid);
        h.StepToEnd(m);
        Assert.Equal(Errno.Ok, m.Result);
        var r = h.AccessToEnd(Gpa, AccessKind.Read);
        Assert.Equal(7UL, r.ReadValue);
        h.AssertCleanAndBalanced();
    }

    [Fact]
    public void Twin_RetryIgnoringInProgress_MapsThePageTheMigrationReplaces()
    {
        var h = new InterleavingHarness(this, TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, bugs: new BugSet([RetryIgnoresInProgress.Name])));
        var (p, m) = PausePreFaultAcrossMigrateStart(h);
        Assert.Equal([FaultResult.Map], p.Faults);
        h.StepToEnd(m);
        Assert.Contains("stale-mapping", h.Vm.Violations);
    }

    [Fact]
    public void GuestWriteMapsThePageWhilePreFaultIsPaused_PreFaultsMapIsSpuriousAndKeepsTheWritableLeaf()
    {
        var h = new InterleavingHarness(this, TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize, new Model.Vm.KvmConfig(Vcpus: 2)));
        h.HostWrite(Hva, 1); // the host page exists, so the pre-fault's read pins the same page the write will map
        var p = PreFault(h, Gpa, Sizes.PageSize, vcpu: 1);
        h.StepUntil(p, "mmu-lock"); // the leaf check found nothing, the lock is dropped again
        Assert.False(h.Vm.Leaf(Gpa).Valid);
        var w = h.AccessToEnd(Gpa, AccessKind.Write, 9, vcpu: 0);
        Assert.Equal([FaultResult.Map], w.Faults);
        h.StepToEnd(p);
        // v5 drops the lock before the handler: the mapping that appeared in between makes map return -EAGAIN.
        Assert.Equal([FaultResult.Spurious], p.Faults);
        Assert.Equal(Errno.Ok, p.Result);
        Assert.Equal(S2Prot.RW, h.Vm.Leaf(Gpa).Leaf.Perms);
        Assert.Equal(9UL, h.HostRead(Hva));
        h.AssertCleanAndBalanced();
    }
}
