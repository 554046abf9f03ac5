using ActorKvm.Engine.Scenarios.Definition;

namespace ActorKvm.Engine.Scenarios.Execution;

/// <summary>Runs scenarios on the pure model with <see cref="ScriptedRun"/>.</summary>
public sealed class ModelScenarioExecutor : IScenarioExecutor
{
    /// <inheritdoc/>
    public ScenarioOutcome Execute(ScenarioDefinition scenario, ScenarioRunOptions options) => new ScriptedRun(scenario, options).Run();
}
