using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>huge-map-ignores-memslot-bounds</c>: a read fault on the hugetlb 2M page that straddles the end of a 3M
/// slot. With the switch on the fault maps a 2M block that crosses the slot's end; with it off it maps a 4K page.
/// </summary>
public class HugeMapIgnoresMemslotBoundsTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "huge-map-ignores-memslot-bounds";
    private const ulong Gpa = TestVm.SlotGpa + Sizes.PmdSize;
    private const ulong Hva = TestVm.SlotHva;

    public HugeMapIgnoresMemslotBoundsTests() : base(EngineConfig.Load()) { }

    private InterleavingHarness ReadOnHugePageStraddlingSlotEnd(bool on)
    {
        var h = BugTwin.Vm(this, Bug, on, b => new TestVm(bugs: b).Vma(Hva, 2 * Sizes.PmdSize, BackingKind.Hugetlb2M)
            .Slot(0, TestVm.SlotGpa, 3 * Sizes.PmdSize / 2, Hva));
        var r = h.AccessToEnd(Gpa, AccessKind.Read);
        Assert.Equal(AccessExit.Completed, r.Exit);
        return h;
    }

    [Fact]
    public void SwitchOn_ReadOnHugePageStraddlingSlotEnd_MapsABlockPastTheSlot()
    {
        var h = ReadOnHugePageStraddlingSlotEnd(on: true);
        Assert.Equal(Sizes.PmdSize, h.Vm.Leaf(Gpa).Leaf.Size);
        BugTwin.AssertOnlyViolation(h, ViolationKind.OutsideMemslot);
    }

    [Fact]
    public void SwitchOff_SameFault_MapsA4KPage()
    {
        var h = ReadOnHugePageStraddlingSlotEnd(on: false);
        Assert.Equal(Sizes.PageSize, h.Vm.Leaf(Gpa).Leaf.Size);
        BugTwin.AssertNoViolation(h);
    }
}
