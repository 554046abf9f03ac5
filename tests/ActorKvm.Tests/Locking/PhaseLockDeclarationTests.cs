using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Engine;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Locking;

/// <summary>
/// Each phase declares the kernel locks it takes (<see cref="Activity.Declares"/>), and the model's
/// <see cref="PhaseLockChecker"/> sees every lock a phase really takes: every shipped scenario and the workload in each of
/// its modes must take nothing undeclared, and removing one declaration of each lock kind must be caught.
/// </summary>
public class PhaseLockDeclarationTests
{
    private const ulong Gpa = TestVm.SlotGpa;
    private const ulong Hva = TestVm.SlotHva;

    [Theory]
    [MemberData(nameof(ShippedScenarioTests.ScenarioFiles), MemberType = typeof(ShippedScenarioTests))]
    public void ShippedScenario_TakesOnlyDeclaredLocks(string file)
    {
        var load = ScenarioLoader.LoadFile(Path.Combine(RepoPaths.Scenarios, file));
        Assert.True(load.Scenario is not null, load.Error?.ToString());
        var run = new ScriptedRun(load.Scenario!, ScenarioRunOptions.Default);
        run.Run();
        Assert.Empty(run.Kvm?.LockChecker.Undeclared ?? []);
    }

    public static TheoryData<string> WorkloadModes() => [.. Modes.Keys];

    private static readonly Dictionary<string, WorkloadOptions> Modes = new()
    {
        ["default"] = new WorkloadOptions(Vcpus: 3, Memory: 32UL << 20, InvalidateEvery: 4, MaxFaults: 3_000),
        ["mte"] = new WorkloadOptions(Vcpus: 3, Memory: 32UL << 20, InvalidateEvery: 4, MaxFaults: 3_000, Mte: true, ReachOps: true),
        ["nested"] = new WorkloadOptions(Vcpus: 3, Memory: 32UL << 20, InvalidateEvery: 4, MaxFaults: 3_000, Nested: true),
        ["protected"] = new WorkloadOptions(Vcpus: 3, Memory: 32UL << 20, InvalidateEvery: 4, MaxFaults: 3_000, Protected: true),
        ["reach"] = new WorkloadOptions(Vcpus: 3, Memory: 32UL << 20, InvalidateEvery: 4, MaxFaults: 3_000, ReachOps: true, MapFixedReplace: true),
        ["vmm"] = new WorkloadOptions(Vcpus: 3, Memory: 32UL << 20, InvalidateEvery: 4, MaxFaults: 3_000, VmmOps: true),
    };

    [Theory]
    [MemberData(nameof(WorkloadModes))]
    public void Workload_TakesOnlyDeclaredLocks(string mode)
    {
        var options = Modes[mode];
        var kvm = WorkloadVm.Build(options, null);
        var pending = new List<Activity>();
        var driver = new WorkloadDriver(options, kvm, pending.Add);
        driver.Start();
        // One phase of each unfinished activity in turn (an interleaving on this thread), until the budget is spent.
        while (pending.Count > 0)
        {
            var progressed = false;
            foreach (var a in pending.ToList())
            {
                if (a.Step().Status != StepStatus.Blocked) progressed = true;
                if (!a.IsDone) continue;
                pending.Remove(a);
                driver.Finished(a);
            }
            Assert.True(progressed, "every activity waits");
        }
        Assert.True(driver.Stats.Faults > 100, $"only {driver.Stats.Faults} faults");
        Assert.Empty(kvm.LockChecker.Undeclared);
    }

    public static TheoryData<string> LockKinds() => ["srcu", "mmap-read", "mmu-read", "mmu-write", "page-lock", "slots-lock"];

    /// <summary>Removing one phase's declaration of a lock it takes is caught, for each lock kind the checker sees.</summary>
    [Theory]
    [MemberData(nameof(LockKinds))]
    public void PhaseTakingALockItNoLongerDeclares_IsCaught(string kind)
    {
        var fault = PhaseNames.Fault;
        var vm = kind == "page-lock"
            ? TestVm.WithSlot(BackingKind.Shmem, 16 * Sizes.PageSize, new KvmConfig(Vcpus: 2, Mte: true))
            : TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        var checker = vm.Kvm.LockChecker;
        Activity act;
        switch (kind)
        {
            case "srcu":
                checker.RemoveDeclaration(typeof(GuestAccess), fault[(int)FaultPhase.MemslotLookup], KernelLocks.SrcuRead);
                act = vm.Start(Gpa, AccessKind.Write, 1);
                break;
            case "mmap-read":
                checker.RemoveDeclaration(typeof(GuestAccess), fault[(int)FaultPhase.VmaSnapshot], KernelLocks.MmapRead);
                act = vm.Start(Gpa, AccessKind.Write, 1);
                break;
            case "mmu-read":
                checker.RemoveDeclaration(typeof(GuestAccess), fault[(int)FaultPhase.MmuLock], KernelLocks.MmuRead | KernelLocks.MmuWrite);
                act = vm.Start(Gpa, AccessKind.Write, 1);
                break;
            case "mmu-write":
                vm.Access(Gpa, AccessKind.Write, 1);
                checker.RemoveDeclaration(typeof(HostOperation), PhaseNames.HostOp[(int)HostOpPhase.RangeStart], KernelLocks.MmuWrite);
                act = vm.HostOp(HostOp.MadviseDontneed, Hva);
                break;
            case "page-lock":
                checker.RemoveDeclaration(typeof(MteSyncTags), PhaseNames.MteSync[0], KernelLocks.PageLock);
                act = new MteSyncTags(vm.Kvm, vm.NextId(), new Hva(Hva));
                break;
            default:
                checker.RemoveDeclaration(typeof(MemslotUpdate), PhaseNames.MemslotOp[(int)MemslotOpPhase.Installed], KernelLocks.SlotsLock);
                act = new MemslotUpdate(vm.Kvm, vm.NextId(), new MemslotRequest(1, new Ipa(Gpa + Sizes.PudSize), Sizes.PmdSize, new Hva(Hva), MemslotFlags.None));
                break;
        }
        Assert.Equal(StepStatus.Done, act.RunToEnd().Status);
        Assert.NotEmpty(checker.Undeclared);
        Assert.All(checker.Undeclared, u => Assert.Contains(act.GetType().Name, u));
    }
}
