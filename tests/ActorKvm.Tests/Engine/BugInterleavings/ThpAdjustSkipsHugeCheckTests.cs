using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>thp-adjust-skips-huge-check</c>: a THP-backed slot whose IPA and HVA are not 2M-congruent. With the
/// switch on <c>transparent_hugepage_adjust</c> upgrades the fault to a 2M block anyway, misaligned, mapping the wrong
/// pages; with it off the fault maps a 4K page.
/// </summary>
public class ThpAdjustSkipsHugeCheckTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "thp-adjust-skips-huge-check";
    private const ulong Gpa = TestVm.SlotGpa + 0x3000;
    private const ulong Hva = TestVm.SlotHva;

    public ThpAdjustSkipsHugeCheckTests() : base(EngineConfig.Load()) { }

    private (InterleavingHarness H, GuestAccess R) ReadOnIncongruentThpSlot(bool on)
    {
        var h = BugTwin.Vm(this, Bug, on, b => new TestVm(bugs: b).Vma(Hva, 2 * Sizes.PmdSize, BackingKind.Thp)
            .Slot(0, TestVm.SlotGpa, Sizes.PmdSize, Hva + 0x1000));
        h.HostWrite(Hva + 0x3000, 3);
        h.HostWrite(Hva + 0x4000, 4);
        var r = h.AccessToEnd(Gpa, AccessKind.Read);
        Assert.Equal(AccessExit.Completed, r.Exit);
        return (h, r);
    }

    [Fact]
    public void SwitchOn_ReadOnIncongruentThpSlot_MapsAMisalignedBlock()
    {
        var (h, r) = ReadOnIncongruentThpSlot(on: true);
        Assert.Equal(Sizes.PmdSize, h.Vm.Leaf(Gpa).Leaf.Size);
        Assert.Equal(3UL, r.ReadValue);
        var v = BugTwin.Violations(h);
        Assert.Contains(ViolationKind.MisalignedBlock, v);
        Assert.Contains(ViolationKind.StaleMapping, v);
    }

    [Fact]
    public void SwitchOff_SameFault_MapsA4KPage()
    {
        var (h, r) = ReadOnIncongruentThpSlot(on: false);
        Assert.Equal(Sizes.PageSize, h.Vm.Leaf(Gpa).Leaf.Size);
        Assert.Equal(4UL, r.ReadValue);
        BugTwin.AssertNoViolation(h);
    }
}
