using ActorKvm.Engine.Scenarios.Definition;
using Akka.Actor;

namespace ActorKvm.Engine.Scenarios.Execution;

/// <summary>Runs scenarios on the actor engine (one process-wide actor system, a fresh VM actor per scenario).</summary>
public sealed class ActorScenarioExecutor : IScenarioExecutor
{
    private static readonly Lazy<ActorSystem> System = new(() => ActorSystem.Create("actorkvm", EngineConfig.Load()));

    /// <inheritdoc/>
    public ScenarioOutcome Execute(ScenarioDefinition scenario, ScenarioRunOptions options)
    {
        using var driver = new ActorStepDriver(System.Value);
        return new ScriptedRun(scenario, options, driver).Run();
    }
}
