using ActorKvm.Stress.Diff;
using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Diff;

/// <summary>
/// The diff's two sides without QEMU: the runner's lines (recorded from a real boot of Debian's 6.12.118 arm64 kernel
/// under QEMU 7.2, see kvm/) read into observations, and the model's run of the same scenario.
/// </summary>
public class KernelObservationTests
{
    private static readonly MachineFeatures Qemu = new("6.12.118+deb12-arm64", S2Fwb: true, CacheIdc: true, CacheDic: false, HwAf: true, IpaLimit: 52);

    private static ScenarioDefinition Shipped(string name) =>
        ScenarioLoader.LoadFile(Path.Combine(RepoPaths.Root, "scenarios", name + ".hocon")).Scenario!;

    // Recorded: the runner's lines for anon-read-zero-page-then-write-cow (the last A of each access is the runner's
    // own report store; the U in the write is the CoW break's invalidation inside the faultin).
    private static readonly string[] CowRun =
    [
        "step 0 exit=done value=0x0 ev=A,M:0x40002000:0x1000:0x4,A",
        "step 1 exit=done value=0x0 ev=A,U:0x40002000:0x1000,A,M:0x40002000:0x1000:0x6,A",
        "step 2 res=OK value=0x9 ev=-",
    ];

    [Fact]
    public void RecordedKernelRun_ReadsAsRetryThenMapWithLeafFromEvents()
    {
        var obs = KernelObservations.Read(Shipped("anon-read-zero-page-then-write-cow"), CowRun);
        Assert.Equal(
        [
            "setup=ok",
            "steps[0].result=ok", "steps[0].faults=[map]", "steps[0].value=0", "steps[0].size=4K", "steps[0].perms=r", "steps[0].memtype=normal",
            "steps[1].result=ok", "steps[1].faults=[retry, map]", "steps[1].size=4K", "steps[1].perms=rw", "steps[1].memtype=normal",
            "steps[2].result=ok", "steps[2].value=9",
            "kernel-warnings=[]",
        ], obs.Select(o => $"{o.Key}={o.Value}"));
    }

    [Fact]
    public void KernelWarnInTheEmptyMemcacheScenario_AgreesWithTheModel_AndAWarnElsewhereDisagrees()
    {
        // The runner prints "warn FUNCTION" for each WARN the kernel logged in KVM code during the scenario.
        var sc = Shipped("findings/perm-fault-map-empty-memcache");
        var model = ModelObservations.Observe(ModelObservations.OnMachine(sc, Qemu));
        Assert.Contains(new Observation(Observation.KernelWarnings, "[kvm_mmu_memory_cache_alloc]"), model);
        var cow = Shipped("anon-read-zero-page-then-write-cow");
        var d = ObservationComparer.FirstDifference(KernelObservations.Read(cow, [.. CowRun, "warn kvm_mmu_memory_cache_alloc"]),
            ModelObservations.Observe(ModelObservations.OnMachine(cow, Qemu)));
        Assert.Equal(new Difference(Observation.KernelWarnings, "[kvm_mmu_memory_cache_alloc]", "[]"), d);
    }

    [Fact]
    public void ModelRunOfTheSameScenario_AgreesWithTheRecordedKernelRun()
    {
        var sc = Shipped("anon-read-zero-page-then-write-cow");
        var model = ModelObservations.Observe(ModelObservations.OnMachine(sc, Qemu));
        Assert.Null(ObservationComparer.FirstDifference(KernelObservations.Read(sc, CowRun), model));
    }

    [Fact]
    public void AKernelThatMapsWithoutTheRetry_DisagreesAtTheFaultsKey()
    {
        var sc = Shipped("anon-read-zero-page-then-write-cow");
        string[] noRetry = [CowRun[0], "step 1 exit=done value=0x0 ev=A,M:0x40002000:0x1000:0x6,A", CowRun[2]];
        var d = ObservationComparer.FirstDifference(KernelObservations.Read(sc, noRetry), ModelObservations.Observe(ModelObservations.OnMachine(sc, Qemu)));
        Assert.Equal(new Difference("steps[1].faults", "[map]", "[retry, map]"), d);
    }

    [Fact]
    public void RelaxAddsPermissionsToTheMappedBlock_AndInjectedAbortsAreResults()
    {
        var sc = ScenarioLoader.LoadText("""
            name = "x"
            host { vmas = [ { hva = "0x7f0000000000", size = 2M, backing = thp, prot = rw } ] }
            memslots = [ { id = 0, gpa = "0x40000000", size = 2M, hva = "0x7f0000000000" } ]
            steps = [
              { op = access, vcpu = 0, gpa = "0x40000000", kind = write, value = 1 }
              { op = access, vcpu = 0, gpa = "0x40001000", kind = exec }
              { op = access, vcpu = 0, gpa = "0x80000000", kind = exec }
              { op = access, vcpu = 0, gpa = "0x90000000", kind = read }
            ]
            """, "x.hocon").Scenario!;
        string[] lines =
        [
            "step 0 exit=done value=0x0 ev=A,M:0x40000000:0x200000:0x6,A",
            "step 1 exit=exception:0x2000000:0x0:0x40001000 ev=A,R:0x40001000:0x7,A,A,A",
            "step 2 exit=exception:0x86000010:0x80000000:0x80000000 ev=A,A,A,A",
            "step 3 exit=mmio addr=0x90000000 write=0 ev=A",
        ];
        var obs = KernelObservations.Read(sc, lines).ToDictionary(o => o.Key, o => o.Value);
        Assert.Equal("ok", obs["steps[1].result"]);
        Assert.Equal("[relax]", obs["steps[1].faults"]);
        Assert.Equal("2M", obs["steps[1].size"]);
        Assert.Equal("rwx", obs["steps[1].perms"]);
        Assert.Equal("inject-iabt", obs["steps[2].result"]);
        Assert.Equal("[]", obs["steps[2].faults"]);
        Assert.Equal("mmio", obs["steps[3].result"]);
    }

    [Fact]
    public void MissingStepLine_IsADifferenceNamingTheStep()
    {
        var sc = Shipped("anon-read-zero-page-then-write-cow");
        var d = ObservationComparer.FirstDifference(KernelObservations.Read(sc, CowRun[..1]), ModelObservations.Observe(ModelObservations.OnMachine(sc, Qemu)));
        Assert.Equal("steps[1].result", d?.Key);
        Assert.Equal("none", d?.Kernel);
    }
}
