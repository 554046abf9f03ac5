using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Engine.Tracing;
using ActorKvm.Stress.Output;
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

        var traced = ScenarioRunOptions.Default with { TracePath = "recorded-not-written.json" };
        var onModel = new ModelScenarioExecutor().Execute(sc, traced);
        var onActors = new ActorScenarioExecutor().Execute(sc, traced);

        Assert.True(onModel.Passed, onModel.ToString());
        Assert.Equal(onModel.ToString(), onActors.ToString());
        Assert.Equal(onModel.Violations, onActors.Violations);
        // The same phases, in the same order, on the same actor tracks: byte-identical --trace output.
        Assert.Equal(TraceText(sc.Name, onModel), TraceText(sc.Name, onActors));
    }

    private static string TraceText(string name, ScenarioOutcome outcome)
    {
        Assert.NotNull(outcome.Trace);
        using var buffer = new MemoryStream();
        ChromeTrace.Write(buffer, [(name, outcome.Trace!)]);
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
