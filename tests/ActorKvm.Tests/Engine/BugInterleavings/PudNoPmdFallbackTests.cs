using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>pud-no-pmd-fallback</c>: a read fault on a hugetlb 1G page backing a 512M slot (a PUD block cannot fit).
/// With the switch on the fault falls back straight to 4K pages; with it off it falls back to a 2M block.
/// </summary>
public class PudNoPmdFallbackTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "pud-no-pmd-fallback";
    private const ulong Gpa = 0x8000_0000;
    private const ulong Hva = TestVm.SlotHva;

    public PudNoPmdFallbackTests() : base(EngineConfig.Load()) { }

    private InterleavingHarness ReadOn1GPageIn512MSlot(bool on)
    {
        var h = BugTwin.Vm(this, Bug, on, b => new TestVm(bugs: b).Vma(Hva, Sizes.PudSize, BackingKind.Hugetlb1G).Slot(0, Gpa, Sizes.PudSize / 2, Hva));
        Assert.Equal(AccessExit.Completed, h.AccessToEnd(Gpa, AccessKind.Read).Exit);
        return h;
    }

    [Fact]
    public void SwitchOn_ReadOn1GPageIn512MSlot_Maps4KPages()
    {
        var h = ReadOn1GPageIn512MSlot(on: true);
        Assert.Equal(Sizes.PageSize, h.Vm.Leaf(Gpa).Leaf.Size);
        BugTwin.AssertOnlyViolation(h, ViolationKind.SuboptimalSize);
    }

    [Fact]
    public void SwitchOff_SameFault_MapsA2MBlock()
    {
        var h = ReadOn1GPageIn512MSlot(on: false);
        Assert.Equal(Sizes.PmdSize, h.Vm.Leaf(Gpa).Leaf.Size);
        BugTwin.AssertNoViolation(h);
    }
}
