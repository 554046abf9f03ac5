using ActorKvm.Engine;
using ActorKvm.Engine.Exploration.Interleavings;
using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Vm;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Exploration;

/// <summary>
/// Exhaustive exploration of a scenario's interleavings (<c>actorkvm hunt SCENARIO</c>) on the two-activity race: one
/// async write and one async migrate of the same page.
/// </summary>
public class ScenarioExplorerTests
{
    private static readonly string TwoActivityRace = Path.Combine(RepoPaths.Scenarios, "race-async-write-while-host-migrates-page.hocon");

    private static ScenarioDefinition Load(string path) => ScenarioLoader.LoadFile(path).Scenario!;

    private static ExploreOptions Unbounded => new(1_000_000, TimeSpan.FromMinutes(5));

    [Fact]
    public void TwoActivityRace_ExploresEveryDistinctInterleaving_AndSaysItIsExhausted()
    {
        var sc = Load(TwoActivityRace);
        using var det = new DeterministicSystem(EngineConfig.Load());
        var r = ScenarioExplorer.Explore(det, sc, ScenarioRunOptions.Default, Unbounded with { Probes = 0 });

        Assert.True(r.Exhausted);
        Assert.Null(r.Failure);
        Assert.Equal(0, r.CutByRetryBound);
        // An independent count: every order in which the pure model can run the two activities' phases, stepped directly
        // (no actors, no dispatcher). The exploration must have run each of them.
        var reference = ModelPhaseOrders(sc);
        Assert.Equal(reference.Count, r.DistinctPhaseOrders);
        Assert.True(reference.Select(ScenarioExplorer.OrderKey).ToHashSet().SetEquals(r.PhaseOrders), "the explored phase orders differ from the model's");
        Assert.True(reference.Count > 50, $"only {reference.Count} orders: the race is not a race");
    }

    [Fact]
    public void TwoActivityRace_WithTheBug_WritesACounterexampleThatCheckFailsWithTheSameViolation_AndTheFixedKernelPasses()
    {
        var sc = Load(TwoActivityRace);
        using var det = new DeterministicSystem(EngineConfig.Load());
        var bugs = new[] { RetryIgnoresInProgress.Name };
        var r = ScenarioExplorer.Explore(det, sc, new ScenarioRunOptions(bugs, null), Unbounded);
        var f = Assert.IsType<ExploredFailure>(r.Failure);
        Assert.NotNull(f.Violation);

        var (text, why) = CounterexampleWriter.Write(sc, File.ReadAllText(TwoActivityRace), f, bugs, []);
        Assert.True(text is not null, why);
        Assert.Contains("pause-at", text);
        Assert.Contains("\"resume\"", text);
        var (reproduces, outcome, notSame) = CounterexampleWriter.Verify(text, "counterexample.hocon", f);
        Assert.True(reproduces, notSame);
        Assert.False(outcome!.Passed);

        // The same order on the fixed kernel (the switch's line removed) passes: the counterexample needs the bug.
        var fixedText = string.Join('\n', text.Split('\n').Where(l => !l.StartsWith("bugs = ", StringComparison.Ordinal)));
        var fixedScenario = ScenarioLoader.LoadText(fixedText, "fixed.hocon").Scenario!;
        Assert.Empty(fixedScenario.Bugs);
        Assert.True(new ScriptedRun(fixedScenario, ScenarioRunOptions.Default).Run().Passed);
    }

    [Fact]
    public void ABudgetCut_ReportsAnEstimatedSizeAndNotExhausted()
    {
        var sc = Load(Path.Combine(RepoPaths.Scenarios, "race-async-writes-while-host-migrates.hocon"));
        using var det = new DeterministicSystem(EngineConfig.Load());
        var r = ScenarioExplorer.Explore(det, sc, ScenarioRunOptions.Default, new ExploreOptions(300, TimeSpan.MaxValue, Probes: 50));
        Assert.False(r.Exhausted);
        Assert.Equal(300, r.Complete);
        Assert.True(r.EstimatedSize > 300);
    }

    /// <summary>
    /// Every order of model phases of the scenario's async activities, by stepping the pure model directly: a depth-first
    /// search over which activity steps next, re-running from the start for each path. A blocked step is one attempt
    /// (an activity is not retried while nothing else moved). Blocked attempts are left out of the order, as the
    /// explorer leaves them out.
    /// </summary>
    private static HashSet<string> ModelPhaseOrders(ScenarioDefinition sc)
    {
        var orders = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<List<int>>();
        stack.Push([]);
        while (stack.Count > 0)
        {
            var path = stack.Pop();
            var (kvm, acts, events, blockedSinceProgress, nextId) = Replay(sc, path);
            var open = Enumerable.Range(0, acts.Count).Where(i => !acts[i].IsDone && !blockedSinceProgress.Contains(i)).ToList();
            if (open.Count == 0)
            {
                Assert.True(acts.All(a => a.IsDone), "the model deadlocked");
                foreach (var step in sc.Steps.SkipWhile(st => st is not JoinStep).Skip(1))
                    RunStepwise(step.CreateActivity(kvm, nextId++)!, events);
                orders.Add(string.Join(';', events));
                continue;
            }
            foreach (var i in open) stack.Push([.. path, i]);
        }
        return orders;
    }

    private static (Kvm Kvm, List<Activity> Acts, List<string> Events, HashSet<int> Blocked, int NextId) Replay(ScenarioDefinition sc, List<int> path)
    {
        var nextId = 1;
        var kvm = ScenarioVm.Build(sc, ScenarioRunOptions.Default, ref nextId).Kvm!;
        var acts = new List<Activity>();
        var events = new List<string>();
        foreach (var step in sc.Steps)
        {
            if (step is JoinStep) break;
            var act = step.CreateActivity(kvm, nextId++)!;
            if (step.Async) acts.Add(act);
            else RunStepwise(act, events);
        }
        var blocked = new HashSet<int>();
        foreach (var i in path)
        {
            var r = acts[i].Step();
            if (r.Status == StepStatus.Blocked)
            {
                blocked.Add(i);
                continue;
            }
            blocked.Clear();
            events.Add($"{acts[i].Id}:{r.Phase ?? "done"}");
        }
        return (kvm, acts, events, blocked, nextId);
    }

    private static void RunStepwise(Activity act, List<string> events)
    {
        while (!act.IsDone)
        {
            var r = act.Step();
            Assert.NotEqual(StepStatus.Blocked, r.Status);
            events.Add($"{act.Id}:{r.Phase ?? "done"}");
        }
    }
}
