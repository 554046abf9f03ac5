using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>page-leak-on-attr-mismatch</c>: two exec faults on device memory that has struct pages. Each injects a
/// prefetch abort; with the switch on the early return keeps the page reference (leaked), with it off it is released.
/// </summary>
public class PageLeakOnAttrMismatchTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "page-leak-on-attr-mismatch";
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    public PageLeakOnAttrMismatchTests() : base(EngineConfig.Load()) { }

    private InterleavingHarness TwoExecFaultsOnDeviceWithPages(bool on)
    {
        var h = BugTwin.Vm(this, Bug, on, b => new TestVm(bugs: b)
            .Vma(Hva, Sizes.ContPteSize, BackingKind.DeviceMixedmap, HostProt.Read | HostProt.Write | HostProt.Exec)
            .Slot(0, Gpa, Sizes.ContPteSize, Hva));
        for (var i = 0; i < 2; i++)
            Assert.Equal(AccessExitKind.InjectIabt, h.AccessToEnd(Gpa, AccessKind.Exec).Exit.Kind);
        Assert.False(h.Vm.Leaf(Gpa).Valid);
        return h;
    }

    [Fact]
    public void SwitchOn_ExecFaultsOnDeviceWithPages_LeakThePageReference()
    {
        var h = TwoExecFaultsOnDeviceWithPages(on: true);
        BugTwin.AssertOnlyViolation(h, ViolationKind.PageRefLeak);
        Assert.NotEqual(0, h.Kvm.OutstandingFaultRefs);
    }

    [Fact]
    public void SwitchOff_SameFaults_ReleaseThePage()
    {
        var h = TwoExecFaultsOnDeviceWithPages(on: false);
        BugTwin.AssertNoViolation(h);
    }
}
