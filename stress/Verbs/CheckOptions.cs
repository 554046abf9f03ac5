using System.CommandLine;
using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Model.Bugs;
using ActorKvm.Stress.Cli;

namespace ActorKvm.Stress.Verbs;

/// <summary>The options of <c>check</c> (also taken by the default verb): <c>--bug</c>, <c>--trace</c>, <c>--engine</c>.</summary>
internal sealed class CheckOptions
{
    public Option<string[]> Bug { get; } = BugNames.Option();
    public Option<string[]> Variant { get; } = VariantNames.Option();
    public Option<string?> Trace { get; } = new("--trace") { Description = "Write the event trace (Chrome trace-event JSON)", HelpName = "FILE" };
    public Option<string> Engine { get; } = new("--engine")
    {
        Description = "Which engine runs the scenarios: model (default) or actors",
        HelpName = "model|actors",
        DefaultValueFactory = _ => ScenarioExecutors.ModelEngine,
    };

    public void AddTo(Command command)
    {
        command.Add(Bug);
        command.Add(Variant);
        command.Add(Trace);
        command.Add(Engine);
    }

    /// <summary>Checks the values: known bug names, a known and available engine.</summary>
    public (ScenarioRunOptions Run, Func<IScenarioExecutor> Executor) Read(ParseResult r, CliContext context)
    {
        var bugs = r.GetValue(Bug) ?? [];
        BugNames.Check(bugs);
        var engine = r.GetValue(Engine) ?? ScenarioExecutors.ModelEngine;
        if (!ScenarioExecutors.EngineNames.Contains(engine))
            throw new CliUserError($"--engine: unknown engine '{engine}' (expected {string.Join(" or ", ScenarioExecutors.EngineNames)})");
        var factory = context.FindEngine(engine)
            ?? throw new CliUserError(engine == ScenarioExecutors.ActorsEngine
                ? $"engine '{engine}' is not available yet"
                : $"engine '{engine}' is not available");
        var trace = OptionChecks.TracePath(r.GetValue(Trace));
        var variants = VariantNames.Check(r.GetValue(Variant));
        return (new ScenarioRunOptions(bugs.Distinct().ToList(), trace) { ExtraVariants = variants.On }, factory);
    }
}
