using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Engine;

/// <summary>Every shipped scenario passes, and gives the same outcome on the model and on the actor engine.</summary>
public class ShippedScenarioTests
{
    public static TheoryData<string> ScenarioFiles()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(RepoPaths.Scenarios, "*.*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            if (f.EndsWith(".hocon", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal) || f.EndsWith(".conf", StringComparison.Ordinal))
                data.Add(Path.GetRelativePath(RepoPaths.Scenarios, f));
        return data;
    }

    [Theory]
    [MemberData(nameof(ScenarioFiles))]
    public void ShippedScenario_PassesOnBothEnginesWithTheSameOutcome(string file)
    {
        var load = ScenarioLoader.LoadFile(Path.Combine(RepoPaths.Scenarios, file));
        Assert.True(load.Scenario is not null, load.Error?.ToString());
        ScenarioDefinition sc = load.Scenario!;

        var onModel = new ModelScenarioExecutor().Execute(sc, ScenarioRunOptions.Default);
        var onActors = new ActorScenarioExecutor().Execute(sc, ScenarioRunOptions.Default);

        Assert.True(onModel.Passed, onModel.ToString());
        Assert.Equal(onModel.ToString(), onActors.ToString());
        Assert.Equal(onModel.Violations, onActors.Violations);
    }
}
