using ActorKvm.Engine;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Vm;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Memslots;
using ActorKvm.Tests.Properties;
using ActorKvm.Stress.Diff;
using ActorKvm.Tests.Support;
using CsCheck;

namespace ActorKvm.Tests.Mutation;

/// <summary>
/// The mutation kill criterion of issue 14: only the oracle decides. A mutant of the model is killed when a shipped
/// scenario's oracle verdict changes (a violation it does not expect, or one it expects missing — its faults, sizes
/// and permissions are NOT compared), when a short seeded run or a short hunt with every bug switch off sees a
/// violation, a lost write or a leaked page reference, or when the model throws. Run by Stryker with
/// <c>--test-case-filter Category=OracleKill</c> (README, "Mutation score"); also part of the normal suite, where it
/// must pass on the faithful model.
/// </summary>
[Trait("Category", "OracleKill")]
public class OracleKillTests
{
    /// <summary>Every shipped scenario file.</summary>
    public static TheoryData<string> ShippedScenarios()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(RepoPaths.Scenarios, "*.hocon", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            data.Add(Path.GetRelativePath(RepoPaths.Scenarios, f));
        return data;
    }

    [Theory]
    [MemberData(nameof(ShippedScenarios))]
    public void ShippedScenario_OracleVerdictHolds(string file)
    {
        var loaded = ScenarioLoader.LoadFile(Path.Combine(RepoPaths.Scenarios, file));
        var scenario = loaded.Scenario ?? throw new InvalidOperationException(loaded.Error!.ToString());
        var expectedExactly = scenario.Steps.SelectMany(s => s.Expect.Violations ?? []).Concat(scenario.Expect.Violations ?? []).ToHashSet();
        var mustOccur = scenario.Steps.SelectMany(s => s.Expect.ViolationsInclude ?? []).Concat(scenario.Expect.ViolationsInclude ?? [])
            .Concat(expectedExactly).ToHashSet();
        var mayOccur = scenario.Steps.Any(s => s.Expect.ViolationsInclude is not null) || scenario.Expect.ViolationsInclude is not null;

        var outcome = new ModelScenarioExecutor().Execute(scenario, ScenarioRunOptions.Default);

        var seen = outcome.Violations.ToHashSet();
        Assert.True(mustOccur.IsSubsetOf(seen), $"{scenario.Name}: expected violations [{string.Join(", ", mustOccur)}], saw [{string.Join(", ", seen)}]");
        if (!mayOccur)
            Assert.True(seen.IsSubsetOf(mustOccur), $"{scenario.Name}: unexpected violations [{string.Join(", ", seen.Except(mustOccur))}]");

        // Upstream findings are the oracle's verdict too: run again with every other expectation dropped.
        if (scenario.Expect.Findings is { } findings)
        {
            var onlyFindings = scenario with
            {
                Steps = scenario.Steps.Select(s => s with { Expect = StepExpect.None(s.Path) }).ToList(),
                Expect = FinalExpect.None with { Findings = findings },
            };
            var o = new ModelScenarioExecutor().Execute(onlyFindings, ScenarioRunOptions.Default);
            Assert.True(o.Passed, $"{scenario.Name}: {o.FailureKeyPath}: expected {o.Expected}, saw {o.Actual} {o.Message}");
        }
    }

    [Fact]
    public void RandomOperationSequences_MeetTheOracle()
    {
        // Fixed seed: a mutant is judged on the same sequences every time.
        RandomOpGen.GenSequence.Sample((slots, ops) => new RandomOpsRunner(slots).Run(ops), iter: 60, seed: "0N0XIzNsQ0O2");
        RandomOpGen.GenSequence.Sample((slots, ops) => new RandomOpsRunner(slots, new KvmConfig(CacheDic: true, EagerSplitChunk: Sizes.PmdSize)).Run(ops),
            iter: 30, seed: "0N0XIzNsQ0O2");
    }

    public static TheoryData<string> Workloads() =>
        ["default", "nested", "protected", "mte", "map-fixed", "reach-ops", "reach-ops-device", "reach-ops-mte", "vmm-ops", "vmm-ops-hugetlb", "hugetlb-1g", "gmem", "gmem-nested"];

    [Theory]
    [MemberData(nameof(Workloads))]
    public void ShortSeededRun_HasNoViolation_NoLostWrite_NoLeakedReference(string workload)
    {
        using var det = new DeterministicSystem(EngineConfig.Load());
        var r = StressRun.RunDeterministic(det, ShortRun(workload), new SeededStrategy(3));
        Assert.True(r.Violations.Count == 0, string.Join("; ", r.Violations));
        Assert.Equal(0, r.OutstandingFaultRefs);
        Assert.True(r.Stats.Faults > 500, $"only {r.Stats.Faults} faults: the run proves little");
    }

    /// <summary>The options of the short seeded run of <paramref name="workload"/>.</summary>
    public static WorkloadOptions ShortRun(string workload) =>
        new WorkloadOptions(Vcpus: 3, Memory: 16UL << 20, InvalidateEvery: 4, Seed: 7, MaxFaults: 1_500) switch
        {
            var o when workload == "nested" => o with { Nested = true },
            var o when workload == "protected" => o with { Protected = true },
            var o when workload == "mte" => o with { Mte = true },
            var o when workload == "map-fixed" => o with { MapFixedReplace = true },
            var o when workload == "reach-ops" => o with { ReachOps = true },
            // The hunt's other layouts: device memory with and without struct pages next to THP; an MTE VM with shared memory.
            var o when workload == "reach-ops-device" => o with { ReachOps = true, Backings = HuntOptions.Layouts[2].Backings },
            var o when workload == "reach-ops-mte" => o with { ReachOps = true, Backings = HuntOptions.Layouts[3].Backings, Mte = true },
            var o when workload == "vmm-ops" => o with { ReachOps = true, VmmOps = true },
            // A 1G hugetlb slot next to a 1G THP one: PUD blocks (sparse: only touched pages cost memory).
            var o when workload == "hugetlb-1g" => o with { ReachOps = true, Memory = 2UL << 30, Backings = [BackingKind.Hugetlb1G, BackingKind.Thp] },
            var o when workload == "vmm-ops-hugetlb" => o with { ReachOps = true, VmmOps = true, Backings = HuntOptions.Layouts[1].Backings },
            // A guest_memfd slot between THP and anonymous ones (gmem_abort: faults, pre-faults, invalidations through the
            // host mapping of the file, a munmap that leaves the slot unbound: KVM_EXIT_MEMORY_FAULT); also behind L1.
            var o when workload == "gmem" => o with { ReachOps = true, GuestMemfd = true, Backings = [BackingKind.Thp, BackingKind.GuestMemfd, BackingKind.Anon] },
            var o when workload == "gmem-nested" => o with { GuestMemfd = true, Nested = true, Backings = [BackingKind.Thp, BackingKind.GuestMemfd, BackingKind.Anon] },
            var o => o,
        };

    /// <summary>
    /// IPA sizes the workloads (40 bits) do not use: 32 bits (two levels from level 2, four concatenated pgd pages) and 52
    /// bits (four levels from level 0, sixteen pgd pages). Slots straddle a pgd-page boundary, sit at the top of the IPA
    /// space and (52 bits) hold a 1G block at level 1; faults, logging with eager split across the pgd-page boundary, a dirty-log harvest, host changes
    /// and a slot delete run over them, judged by the oracle after every step and at rest.
    /// </summary>
    [Theory]
    [InlineData(32)]
    [InlineData(52)]
    public void IpaSizesTheRunsDoNotUse_MeetTheOracle(int ipaBits)
    {
        var vm = new TestVm(new KvmConfig(IpaBits: ipaBits, IpaLimit: Math.Max(48, ipaBits), EagerSplitChunk: Sizes.PmdSize)); // 52 bits: a host with LPA2
        var top = 1UL << ipaBits;
        var pgdPage = 1UL << (ipaBits == 32 ? 30 : 48); // kvm_pgd_pages: one start-level page maps this much
        const ulong Hva = TestVm.SlotHva;
        var big = ipaBits == 52 ? Sizes.PudSize : 2 * Sizes.PmdSize;
        (ulong Gpa, ulong Size, BackingKind Backing)[] slots =
        [
            (pgdPage - Sizes.PmdSize, 2 * Sizes.PmdSize, BackingKind.Thp),
            (top - Sizes.PmdSize, Sizes.PmdSize, BackingKind.Anon),
            (top / 2, big, ipaBits == 52 ? BackingKind.Hugetlb1G : BackingKind.Hugetlb2M),
        ];
        for (var i = 0; i < slots.Length; i++)
            vm.Vma(Hva + (ulong)i * Sizes.PudSize, slots[i].Size, slots[i].Backing).Slot(i, slots[i].Gpa, slots[i].Size, Hva + (ulong)i * Sizes.PudSize);
        for (var i = 0; i < slots.Length; i++)
        {
            var (gpa, size, _) = slots[i];
            var first = vm.Access(gpa, AccessKind.Read);
            Assert.True(first.Exit.Kind == AccessExitKind.Ok, $"slot {i}: {first.Exit.Name} {vm.Leaf(gpa)}");
            vm.Access(gpa + size - Sizes.PageSize, AccessKind.Write, (ulong)i + 1);
            vm.Access(gpa + size / 2, AccessKind.Exec);
            vm.Access(gpa + Sizes.PageSize, AccessKind.Write, 7);
        }
        Assert.True(vm.Leaf(slots[2].Gpa).Leaf.Size == big || ipaBits == 32, $"the 1G slot is mapped by one level-1 block: {vm.Leaf(slots[2].Gpa)}");
        Assert.Equal(StepStatus.Done, vm.SetFlags(0, MemslotFlags.LogDirtyPages).RunToEnd().Status); // eager split
        vm.Access(slots[0].Gpa + 3 * Sizes.PageSize, AccessKind.Write, 9);
        vm.GetDirtyLog(0);
        vm.RunHostOp(HostOp.ThpSplit, Hva);
        vm.RunHostOp(HostOp.Migrate, Hva + Sizes.PmdSize);
        vm.Access(slots[0].Gpa + Sizes.PmdSize, AccessKind.Read);
        vm.RunHostOp(HostOp.Munmap, Hva + Sizes.PudSize, Sizes.PmdSize);
        var delete = new MemslotUpdate(vm.Kvm, vm.NextId(), new MemslotRequest(2, new Ipa(slots[2].Gpa), 0, new Hva(Hva + 2 * Sizes.PudSize), MemslotFlags.None));
        Assert.Equal(StepStatus.Done, delete.RunToEnd().Status);
        vm.Kvm.Oracle.Check();
        vm.Kvm.Oracle.CheckAtRest();
        Assert.True(vm.Kvm.Oracle.Violations.Count == 0, string.Join("; ", vm.Kvm.Oracle.Violations));
        Assert.Equal(0, vm.Kvm.Pgt.LiveTablePages - vm.Kvm.Pgt.CountReachableTables());
        Assert.False(vm.Leaf(slots[1].Gpa).Valid);
    }

    /// <summary>The short no-bug hunt: 40 schedules of the race mix (its slots are 2M, the short runs' larger).</summary>
    public static HuntOptions ShortHunt { get; } = new(HuntOptions.RaceMix, HuntStrategy.Random, Depth: 3, Seed: 11, MaxSchedules: 40, MaxTime: TimeSpan.MaxValue);

    [Fact]
    public void ShortHuntWithNoSwitchOn_FindsNothing()
    {
        using var det = new DeterministicSystem(EngineConfig.Load());
        var r = Hunter.Hunt(det, ShortHunt, BugSet.None, shrink: false);
        Assert.Null(r.Found);
    }

    [Fact]
    public void AccessRestartedAfterCompletingWithoutAFault_RunsAgain()
    {
        // The workload restarts each vCPU's finished access as its next one; this one hit a mapped page and never faulted.
        var vm = TestVm.WithSlot(BackingKind.Anon, Sizes.PmdSize);
        vm.Access(TestVm.SlotGpa, AccessKind.Write, 1);
        var a = vm.Access(TestVm.SlotGpa, AccessKind.Read);
        Assert.Empty(a.Faults);
        Drive.ToEnd(a.Restart(vm.NextId(), new Ipa(TestVm.SlotGpa + Sizes.PageSize), AccessKind.Write, 2));
        Assert.Equal(2UL, vm.HostRead(TestVm.SlotHva + Sizes.PageSize));
        vm.Kvm.Oracle.CheckAtRest();
        Assert.Empty(vm.Kinds);
    }
}

/// <summary>
/// What the kill criterion's short runs reach (outside the <c>OracleKill</c> category: Stryker need not run it). A mistake in
/// a branch no run reaches survives whatever the oracle checks, so the points left at zero are pinned here, each with its
/// reason in the README ("Mutation score"); a workload change that loses a point fails this test.
/// </summary>
public class OracleKillReachTests
{
    [Fact]
    public void ShortRuns_LeaveOnlyTheListedPointsUnreached()
    {
        var sum = new Model.Oracle.Reachability();
        using var det = new DeterministicSystem(EngineConfig.Load());
        foreach (var w in OracleKillTests.Workloads())
            sum.Add(StressRun.RunDeterministic(det, OracleKillTests.ShortRun(w), new SeededStrategy(3)).Stats.Reach!);
        sum.Add(Hunter.Hunt(det, OracleKillTests.ShortHunt, BugSet.None, shrink: false).Reach!);
        string[] unreached =
        [
            "fault.map.normal-nc", "fault.exit.inject-dabt", "fault.exit.inject-size-fault", "fault.exit.skip-cm",
            "fault.exit.inject-serror", "stage2.unmap.partial-block.normal", "stage2.unmap.partial-block.normal-nc",
            "notifier.free-page-tables", "memslots.delete", "memslots.eager-split.cut-short",
        ];
        var zero = string.Join(" ", sum.Zero());
        Assert.True(string.Join(" ", unreached) == zero, $"unreached now: {zero}");
    }
}
