using ActorKvm.Engine;
using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Scenarios;

/// <summary>
/// <c>pause-at</c> / <c>resume</c> in a seeded run (<see cref="SeededScenarioRun"/>): the paused interleaving is forced,
/// a step that must wait for the paused one waits and is driven on after the resume, and the expectations hold as in
/// <c>check</c>; a step never resumed is unfinished.
/// </summary>
public class SeededPauseResumeTests
{
    private static ScenarioOutcome Run(string scenarioText, ulong seed, string file = "x.hocon")
    {
        var loaded = ScenarioLoader.LoadText(scenarioText, file);
        Assert.True(loaded.Scenario is not null, loaded.Error?.ToString());
        using var det = new DeterministicSystem(EngineConfig.Load());
        return new SeededScenarioRun(loaded.Scenario!, ScenarioRunOptions.Default).Run(det, new SeededStrategy(seed));
    }

    private static string Shipped(string relative) => File.ReadAllText(Path.Combine(RepoPaths.Scenarios, relative));

    [Theory]
    [InlineData("bugs/host-pt-walk-unprotected.hocon")] // a fault paused inside its THP adjust while the host frees its page tables
    [InlineData("race-invalidation-waits-for-mmu-lock.hocon")] // an invalidation waits for a paused fault's mmu_lock
    [InlineData("race-unrelated-invalidation-forces-retry.hocon")] // a fault spins on a paused invalidation
    [InlineData("race-memslot-delete-waits-for-fault.hocon")] // a memslot delete waits in synchronize_srcu
    public void ScriptedScenario_PassesUnderEverySeed(string scenario)
    {
        foreach (var seed in new ulong[] { 1, 2, 3 })
        {
            var outcome = Run(Shipped(scenario), seed, scenario);
            Assert.True(outcome.Passed, $"seed {seed}: {outcome}");
        }
    }

    [Theory]
    [MemberData(nameof(Engine.ShippedScenarioTests.ScenarioFiles), MemberType = typeof(Engine.ShippedScenarioTests))]
    public void EveryShippedScenario_PassesOnTheSeededRunnerToo(string file)
    {
        var outcome = Run(Shipped(file), 5, file);
        Assert.True(outcome.Passed, outcome.ToString());
    }

    [Fact]
    public void HostPtWalkScenario_ReportsTheFreedTableReadAndTheStaleMapping()
    {
        var outcome = Run(Shipped("bugs/host-pt-walk-unprotected.hocon"), 1);
        Assert.Contains("freed-host-table-read", outcome.Violations);
        Assert.Contains("stale-mapping", outcome.Violations);
    }

    [Fact]
    public void AStepPausedAndNeverResumed_IsUnfinished()
    {
        var text = ScenarioText.With("""steps = [ { op = access, id = f, vcpu = 0, gpa = "0x40000000", kind = read, pause-at = pfn-faultin } ]""");
        var outcome = Run(text, 1);
        Assert.False(outcome.Passed);
        Assert.Equal("FAIL t: steps[0]: unfinished step f", outcome.ToString());
    }

    [Fact]
    public void ResumeOfAStepThatIsNotPaused_FailsNamingIt()
    {
        var text = ScenarioText.With("""
            steps = [
              { op = access, id = f, vcpu = 0, gpa = "0x40000000", kind = read, pause-at = pfn-faultin }
              { op = resume, id = f }
              { op = resume, id = f }
            ]
            """);
        Assert.Equal("FAIL t: steps[2].id: step 'f' is not paused", Run(text, 1).ToString());
    }
}
