using ActorKvm.Engine.Scenarios.Definition;

namespace ActorKvm.Engine.Scenarios.Execution;

/// <summary>
/// Runs one validated scenario and compares every <c>expect</c>. Implemented by each engine (the pure
/// model, the actor system); the CLI only sees this seam.
/// </summary>
public interface IScenarioExecutor
{
    /// <summary>
    /// Runs <paramref name="scenario"/> to the end (or to its first failed expectation) and reports.
    /// A scenario that fails is an outcome, not an exception; exceptions mean a bug in the engine.
    /// </summary>
    ScenarioOutcome Execute(ScenarioDefinition scenario, ScenarioRunOptions options);
}
