using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>mmu-seq-snapshot-after-vma-unlock</c>: a fault paused after its VMA snapshot (hugetlb 2M) while the host
/// munmaps the VMA, mmaps anon memory in its place and writes to it. With the switch on the sequence is read after the
/// replacement, so the fault maps the stale hugetlb page; with it off it retries and maps the new 4K anon page.
/// </summary>
public class MmuSeqSnapshotAfterVmaUnlockTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "mmu-seq-snapshot-after-vma-unlock";
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = 0x7f00_0020_0000;

    public MmuSeqSnapshotAfterVmaUnlockTests() : base(EngineConfig.Load()) { }

    private (InterleavingHarness H, GuestAccess F) FaultPausedAfterVmaSnapshotWhileVmaIsReplaced(bool on)
    {
        var h = BugTwin.Vm(this, Bug, on, b => new TestVm(bugs: b).Vma(Hva, Sizes.PmdSize, BackingKind.Hugetlb2M).Slot(0, Gpa, Sizes.PmdSize, Hva));
        var f = h.Access(Gpa, AccessKind.Read);
        h.StepUntil(f, "vma-snapshot");
        BugTwin.HostOpToEnd(h, HostOp.Munmap, Hva, Sizes.PmdSize);
        var m = BugTwin.Mmap(h, Hva, Sizes.PmdSize, BackingKind.Anon);
        h.StepToEnd(m);
        Assert.Equal(Errno.Ok, m.Result);
        h.HostWrite(Hva, 7);
        h.StepToEnd(f);
        return (h, f);
    }

    [Fact]
    public void SwitchOn_FaultPausedAfterVmaSnapshotWhileVmaIsReplaced_MapsTheUnmappedHugePage()
    {
        var (h, f) = FaultPausedAfterVmaSnapshotWhileVmaIsReplaced(on: true);
        Assert.Equal([FaultResult.Map], f.Faults);
        BugTwin.AssertViolation(h, ViolationKind.StaleMapping);
    }

    [Fact]
    public void SwitchOff_SameInterleaving_RetriesAndMapsTheNew4KPage()
    {
        var (h, f) = FaultPausedAfterVmaSnapshotWhileVmaIsReplaced(on: false);
        Assert.Equal([FaultResult.Retry, FaultResult.Map], f.Faults);
        Assert.Equal(7UL, f.ReadValue);
        Assert.Equal(Sizes.PageSize, h.Vm.Leaf(Gpa).Leaf.Size);
        BugTwin.AssertNoViolation(h);
    }
}
