using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>mte-tag-init-race</c> (MTE guest, shared shmem page): a second mapping of the page (the VMM's PROT_MTE
/// alias) starts <c>mte_sync_tags</c> and is held after its claim; vCPU 0 read-faults the page, vCPU 1 stores tag 3,
/// then the alias finishes. With the switch on the claim was <c>test_and_set_bit(PG_mte_tagged)</c>: the fault skips
/// sanitising, maps uncleared tags, and the late clear wipes the guest's tag. With it off the claim is PG_mte_lock:
/// both faults wait in <c>sanitise_mte_tags</c> until the alias has cleared and marked the page, and the tag survives.
/// </summary>
public class MteTagInitRaceTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "mte-tag-init-race";
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;
    private const ulong TagGpa = Gpa + 0x10;

    public MteTagInitRaceTests() : base(EngineConfig.Load()) { }

    private InterleavingHarness SharedMtePage(bool on) =>
        BugTwin.Slot(this, Bug, on, BackingKind.Shmem, 16 * Sizes.PageSize, new KvmConfig(Vcpus: 2, Mte: true));

    [Fact]
    public void SwitchOn_FaultsWhileAliasHeldAfterItsClaim_MapUnclearedTagsAndTheLateClearWipesTheGuestTag()
    {
        var h = SharedMtePage(on: true);
        var alias = BugTwin.MteSyncTags(h, Hva);
        h.StepUntil(alias, "mte-claim");

        var read = h.Access(Gpa, AccessKind.Read);
        h.StepToEnd(read);
        Assert.Equal([FaultResult.Map], read.Faults);
        var store = h.AccessToEnd(TagGpa, AccessKind.TagWrite, value: 3, vcpu: 1);
        Assert.Equal(AccessExit.Completed, store.Exit);

        h.StepToEnd(alias);
        Assert.Equal(Errno.Ok, alias.Result);
        Assert.Equal(0UL, h.AccessToEnd(TagGpa, AccessKind.TagRead).ReadValue);
        var v = BugTwin.Violations(h);
        Assert.Contains(ViolationKind.UntaggedMtePage, v);
        Assert.Contains(ViolationKind.MteTagsLost, v);
    }

    [Fact]
    public void SwitchOff_SameInterleaving_FaultsWaitOnPgMteLockAndTheTagSurvives()
    {
        var h = SharedMtePage(on: false);
        var alias = BugTwin.MteSyncTags(h, Hva);
        h.StepUntil(alias, "mte-claim");

        var read = h.Access(Gpa, AccessKind.Read);
        h.StepUntil(read, "thp-adjust");
        h.StepBlocked(read, "PG_mte_lock", alias);
        var store = h.Access(TagGpa, AccessKind.TagWrite, value: 3, vcpu: 1);
        h.StepUntil(store, "thp-adjust");
        h.StepBlocked(store, "PG_mte_lock", alias);

        h.StepToEnd(alias);
        Assert.Equal(Errno.Ok, alias.Result);
        h.StepToEnd(read);
        h.StepToEnd(store);
        Assert.Equal([FaultResult.Map], read.Faults);
        Assert.Equal(3UL, h.AccessToEnd(TagGpa, AccessKind.TagRead).ReadValue);
        BugTwin.AssertNoViolation(h);
    }
}
