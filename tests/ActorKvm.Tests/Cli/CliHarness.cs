using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Stress;
using ActorKvm.Stress.Cli;

namespace ActorKvm.Tests.Cli;

/// <summary>A scenario executor for CLI tests: scenarios named "pass*" pass, others fail on a fault list.</summary>
internal sealed class FakeExecutor : IScenarioExecutor
{
    public List<(string Name, ScenarioRunOptions Options)> Runs { get; } = [];

    public ScenarioOutcome Execute(ScenarioDefinition scenario, ScenarioRunOptions options)
    {
        Runs.Add((scenario.Name, options));
        return scenario.Name.StartsWith("pass", StringComparison.Ordinal)
            ? ScenarioOutcome.Pass(scenario.Name)
            : ScenarioOutcome.Mismatch(scenario.Name, "steps[4].expect.faults", "[retry, map]", "[map]", ["stale-mapping"]);
    }
}

/// <summary>Runs <c>actorkvm</c> in-process in a temporary repository.</summary>
internal sealed class CliHarness : IDisposable
{
    public CliHarness()
    {
        File.WriteAllText(Path.Combine(Root, "ActorKvm.sln"), "");
        Directory.CreateDirectory(Path.Combine(Root, "scenarios"));
    }

    public string Root { get; } = Directory.CreateTempSubdirectory("actorkvm-cli-").FullName;
    public FakeExecutor Executor { get; } = new();
    public bool ModelAvailable { get; set; } = true;

    public string Write(string relative, string text)
    {
        var path = Path.Combine(Root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public (int Code, string Out, string Err) Run(params string[] args)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        var context = new CliContext(engine => engine == "model" && ModelAvailable ? () => Executor : null, Root);
        var code = Program.Run(args, o, e, context);
        return (code, o.ToString(), e.ToString());
    }

    public static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
