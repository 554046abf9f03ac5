using System.Text.Json;
using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Variants;
using ActorKvm.Tests.Cli;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Variants;

/// <summary>
/// Variants are what-ifs that must keep every invariant: every registered variant (so any variant added later, with no
/// test to write) runs the default workload and the shipped scenarios without a violation; a variant that breaks a rule
/// is caught by the same check.
/// </summary>
public sealed class VariantTests
{
    public static TheoryData<string> Registered() => [.. VariantCatalog.Names];

    /// <summary>Violations of the default deterministic workload with <paramref name="variants"/> on, over a few seeds.</summary>
    private static IReadOnlyList<Violation> WorkloadViolations(VariantSet variants, int vcpus = 4)
    {
        var all = new List<Violation>();
        for (ulong seed = 1; seed <= 3; seed++)
        {
            var options = new WorkloadOptions(vcpus, 16UL << 20, InvalidateEvery: 4, Seed: seed, MaxFaults: 4000) { Variants = variants };
            var r = StressRun.RunDeterministic(options, new SeededStrategy(seed), ActorKvm.Engine.EngineConfig.Load());
            all.AddRange(r.Violations);
        }
        return all;
    }

    [Theory]
    [MemberData(nameof(Registered))]
    public void EveryRegisteredVariant_KeepsTheDefaultWorkloadFreeOfViolations(string name) =>
        Assert.Empty(WorkloadViolations(new VariantSet([name])));

    [Theory]
    [MemberData(nameof(Registered))]
    public void EveryRegisteredVariant_AddsNoViolationToAnyShippedScenario(string name)
    {
        // A variant may change what a scenario observes (a fault now waits where it ran before: its expected fault
        // list may differ), but never what the oracle reports.
        var added = new List<string>();
        foreach (var loaded in ScenarioLoader.LoadDirectory(RepoPaths.Scenarios).Where(l => l.IsOk))
        {
            var sc = loaded.Scenario!;
            var before = new ScriptedRun(sc, ScenarioRunOptions.Default).Run().Violations;
            var after = new ScriptedRun(sc, ScenarioRunOptions.Default with { ExtraVariants = [name] }).Run().Violations;
            added.AddRange(after.Except(before).Select(v => $"{sc.Name}: {v}"));
        }
        Assert.True(added.Count == 0, string.Join("\n", added));
    }

    /// <summary>A variant that takes no lock at all: the check above must catch it.</summary>
    private sealed class FaultsTakeNoLock : Variant
    {
        public override string Name => "test-faults-take-no-lock";
        public override string Change => "faults map without mmu_lock";
        public override string Where => "test";
        public override LockMode? FaultLockMode(bool faultIsPerm) => LockMode.None;
    }

    [Fact]
    public void AVariantThatBreaksARule_IsCaughtByTheSameCheck() =>
        Assert.Contains(WorkloadViolations(new VariantSet([new FaultsTakeNoLock()])), v => v.Kind == ViolationKind.LockViolation);

    [Fact]
    public void PermFaultWriteLock_TakesTheWriteSideForPermissionFaultsOnly()
    {
        var on = new VariantSet(["perm-fault-write-lock"]);
        Assert.Equal(LockMode.Write, on.FaultLockMode(faultIsPerm: true, LockMode.Read));
        Assert.Equal(LockMode.Read, on.FaultLockMode(faultIsPerm: false, LockMode.Read));
        Assert.Equal(LockMode.Read, VariantSet.None.FaultLockMode(faultIsPerm: true, LockMode.Read));
    }

    [Fact]
    public void Compare_ShowsTheWorkedExampleTakingWriteLocks_AndNoViolation()
    {
        using var cli = new CliHarness();
        var (code, stdout, err) = cli.Run("compare", "--variant", "perm-fault-write-lock", "--vcpus", "4", "--seeds", "1", "--faults", "3000", "--json", "--quiet");
        Assert.True(code == 0, err);
        var c = JsonDocument.Parse(stdout).RootElement.GetProperty("comparisons")[0];
        var (b, v) = (c.GetProperty("baseline"), c.GetProperty("variant"));
        Assert.Equal(0, b.GetProperty("violation_events").GetInt64());
        Assert.Equal(0, v.GetProperty("violation_events").GetInt64());
        // Permission faults queue for the write side only with the variant; the baseline's write waits are the host's.
        Assert.True(v.GetProperty("lock_waits_write").GetInt64() > b.GetProperty("lock_waits_write").GetInt64(), stdout);
        // Deterministic: the same command prints the same numbers.
        Assert.Equal(stdout, cli.Run("compare", "--variant", "perm-fault-write-lock", "--vcpus", "4", "--seeds", "1", "--faults", "3000", "--json", "--quiet").Out);
    }

    [Theory]
    [InlineData("compare")]
    [InlineData("compare", "--variant", "no-such-variant")]
    [InlineData("run", "--variant", "no-such-variant")]
    [InlineData("check", "--variant", "no-such-variant", "x.hocon")]
    public void BadVariantOptions_AreOneLineErrors(params string[] args)
    {
        using var cli = new CliHarness();
        var (code, _, err) = cli.Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("actorkvm: error: --variant", Assert.Single(CliHarness.Lines(err)));
    }

    [Fact]
    public void Scenario_TopLevelVariants_AreReadAndAnUnknownOneIsAnError()
    {
        using var cli = new CliHarness();
        var ok = ScenarioLoader.LoadFile(cli.Write("v.hocon", "name = v\nvariants = [ perm-fault-write-lock ]"));
        Assert.Equal(["perm-fault-write-lock"], ok.Scenario!.Variants);
        var bad = ScenarioLoader.LoadFile(cli.Write("w.hocon", "name = w\nvariants = [ nope ]"));
        Assert.Contains("variants[0]", bad.Error!.ToString());
    }

    [Fact]
    public void VariantsVerb_ListsTheRegisteredVariants()
    {
        using var cli = new CliHarness();
        var (code, stdout, _) = cli.Run("variants");
        Assert.Equal(0, code);
        Assert.Contains("perm-fault-write-lock", stdout);
        Assert.EndsWith($"{VariantCatalog.All.Count} variant\n", stdout.Replace("variants\n", "variant\n"));
    }
}
