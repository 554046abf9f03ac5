using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Oracle;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Bugs;

/// <summary>
/// Model-level twins for every modelled bug switch, driven by its scenario pair: the fixed twin's steps with the
/// switch on make the oracle report the switch's typed violation; with it off, none.
/// </summary>
public class BugScenarioTests
{
    /// <summary>The typed violation each switch must make the oracle report (declared by the switch's own file).</summary>
    public static readonly IReadOnlyDictionary<string, ViolationKind> Expected =
        BugCatalog.All.Where(b => b.Produces is not null).ToDictionary(b => b.Name, b => b.Produces!.Value);

    public static TheoryData<string> Modelled() => [.. BugCatalog.All.Where(b => b.Modelled).Select(b => b.Name)];

    private static ScenarioDefinition Load(string file)
    {
        var load = ScenarioLoader.LoadFile(Path.Combine(RepoPaths.Scenarios, "bugs", file));
        Assert.True(load.IsOk, load.Error?.ToString());
        return load.Scenario!;
    }

    [Fact]
    public void EveryModelledSwitch_NamesItsTypedViolation()
    {
        foreach (var b in BugCatalog.All.Where(b => b.Modelled)) Assert.True(Expected.ContainsKey(b.Name), b.Name);
    }

    [Theory]
    [MemberData(nameof(Modelled))]
    public void SwitchOn_OracleReportsTheTypedViolation(string name)
    {
        var outcome = new ModelScenarioExecutor().Execute(Load(name + ".hocon"), ScenarioRunOptions.Default);
        Assert.True(outcome.Passed, outcome.ToString());
        Assert.Contains(Expected[name].Name(), outcome.Violations);
    }

    [Theory]
    [MemberData(nameof(Modelled))]
    public void SwitchOff_SameSteps_NoViolation(string name)
    {
        var outcome = new ModelScenarioExecutor().Execute(Load(name + "-fixed.hocon"), ScenarioRunOptions.Default);
        Assert.True(outcome.Passed, outcome.ToString());
        Assert.Empty(outcome.Violations);
    }

    [Theory]
    [MemberData(nameof(Modelled))]
    public void FixedTwinWithTheSwitchTurnedOn_ReportsTheTypedViolation(string name)
    {
        // The fixed twin's expectations describe the fixed kernel: drop them, keep the steps; what matters is the oracle.
        var sc = Load(name + "-fixed.hocon");
        sc = sc with { Steps = [.. sc.Steps.Select(s => s with { Expect = new StepExpect(s.Expect.Path) })], Expect = FinalExpect.None };
        var outcome = new ModelScenarioExecutor().Execute(sc, new ScenarioRunOptions([name], null));
        Assert.Contains(Expected[name].Name(), outcome.Violations);
    }
}
