using ActorKvm.Engine;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;

namespace ActorKvm.Tests.Vm;

/// <summary>
/// Interleaving coverage: a host or memslot phase that runs while a fault is in flight counts for the pair
/// (the fault phase it last completed, that phase); nothing counts when no fault is in flight.
/// </summary>
public class PhaseCoverageTests
{
    private static Kvm Vm()
    {
        var kvm = new Kvm(new KvmConfig(Vcpus: 1));
        kvm.Mm.Mmap(new Hva(0x7f00_0000_0000), Sizes.PmdSize, BackingKind.Anon, HostProt.Read | HostProt.Write, shared: false);
        new MemslotUpdate(kvm, 1, new MemslotRequest(0, new Ipa(0x4000_0000), Sizes.PmdSize, new Hva(0x7f00_0000_0000), MemslotFlags.None)).RunToEnd();
        return kvm;
    }

    private static int Fault(string name) => Array.IndexOf(PhaseNames.Fault, name);
    private static int Concurrent(string name) => Array.IndexOf(PhaseCoverage.ConcurrentPhases, name);

    [Fact]
    public void MigrateAfterAFaultsVmaSnapshot_CountsTheVmaSnapshotPairs_AndTheFaultEndingStopsCounting()
    {
        var kvm = Vm();
        new HostAccess(kvm, 2, new Hva(0x7f00_0000_0000), write: true, value: 1).RunToEnd();
        var access = new GuestAccess(kvm, 10, kvm.Vcpus[0], new Ipa(0x4000_0000), AccessKind.Read, 0);
        while (access.Step().Phase != "vma-snapshot") { }

        new HostOperation(kvm, 11, HostOp.Migrate, new Hva(0x7f00_0000_0000), Sizes.PageSize, HostProt.None).RunToEnd();
        foreach (var c in new[] { "range-start", "host-change", "range-end" })
            Assert.Equal(1, kvm.Coverage[Fault("vma-snapshot"), Concurrent(c)]);
        Assert.Equal(3, kvm.Coverage.Covered);

        access.RunToEnd(); // retries, re-faults and completes
        new AgeOperation(kvm, 12, new Ipa(0x4000_0000), Sizes.PmdSize).RunToEnd();
        Assert.Equal(3, kvm.Coverage.Covered);
        Assert.Equal(0, kvm.Coverage.Pairs().Where(p => p.Concurrent == "age").Sum(p => p.Count));
    }

    [Fact]
    public void SameSeedSameCoverage_OnTheDeterministicDispatcher()
    {
        using var det = new DeterministicSystem(EngineConfig.Load());
        var o = ActorKvm.Engine.Exploration.HuntOptions.RaceMix with { Seed = 5 };
        string Pairs() => string.Join(';', StressRun.RunDeterministic(det, o, new SeededStrategy(5)).Stats.Coverage!.Pairs());
        var first = Pairs();
        Assert.NotEmpty(first);
        Assert.Equal(first, Pairs());
    }
}
