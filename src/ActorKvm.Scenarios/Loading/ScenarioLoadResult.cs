using ActorKvm.Engine.Scenarios.Definition;

namespace ActorKvm.Engine.Scenarios.Loading;

/// <summary>The outcome of loading one file: a scenario or an error, never both.</summary>
/// <param name="File">The file, as given to the loader.</param>
/// <param name="Scenario">The scenario, when the file is valid.</param>
/// <param name="Error">The problem, when it is not.</param>
public sealed record ScenarioLoadResult(string File, ScenarioDefinition? Scenario, ScenarioError? Error)
{
    /// <summary>A valid file.</summary>
    public static ScenarioLoadResult Ok(ScenarioDefinition scenario) => new(scenario.SourcePath, scenario, null);

    /// <summary>An invalid file.</summary>
    public static ScenarioLoadResult Failed(ScenarioError error) => new(error.File, null, error);

    /// <summary>True when <see cref="Scenario"/> is set.</summary>
    public bool IsOk => Scenario is not null;
}
