using ActorKvm.Engine;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine.BugInterleavings;

/// <summary>
/// Switch <c>page-leak-on-excl-atomic-fault</c>: three atomics on device memory that has struct pages. Each injects the
/// exclusive/atomic abort; with the switch on that early return keeps the page reference, with it off it is released.
/// </summary>
public class PageLeakOnExclAtomicFaultTests : Akka.TestKit.Xunit2.TestKit
{
    private const string Bug = "page-leak-on-excl-atomic-fault";
    private const ulong Gpa = TestVm.SlotGpa + 0x1000;
    private const ulong Hva = TestVm.SlotHva;

    public PageLeakOnExclAtomicFaultTests() : base(EngineConfig.Load()) { }

    private InterleavingHarness AtomicsOnDeviceWithPages(bool on)
    {
        var h = BugTwin.Vm(this, Bug, on, b => new TestVm(bugs: b)
            .Vma(Hva, Sizes.ContPteSize, BackingKind.DeviceMixedmap, HostProt.Read | HostProt.Write | HostProt.Exec)
            .Slot(0, TestVm.SlotGpa, Sizes.ContPteSize, Hva));
        var first = h.AccessToEnd(Gpa, AccessKind.Atomic);
        Assert.Equal([FaultResult.Map], first.Faults);
        Assert.Equal(AccessExitKind.InjectExclAtomic, first.Exit.Kind);
        for (var i = 0; i < 2; i++)
            Assert.Equal(AccessExitKind.InjectExclAtomic, h.AccessToEnd(Gpa, AccessKind.Atomic).Exit.Kind);
        return h;
    }

    [Fact]
    public void SwitchOn_AtomicsOnDeviceWithPages_LeakThePageReference()
    {
        var h = AtomicsOnDeviceWithPages(on: true);
        BugTwin.AssertOnlyViolation(h, ViolationKind.PageRefLeak);
        Assert.NotEqual(0, h.Kvm.OutstandingFaultRefs);
    }

    [Fact]
    public void SwitchOff_SameAtomics_ReleaseThePage()
    {
        var h = AtomicsOnDeviceWithPages(on: false);
        BugTwin.AssertNoViolation(h);
    }
}
