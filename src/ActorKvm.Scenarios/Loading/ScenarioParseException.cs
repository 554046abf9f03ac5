namespace ActorKvm.Engine.Scenarios.Loading;

/// <summary>
/// Carries one user-facing problem from deep inside the reader to <see cref="ScenarioLoader"/>, which turns
/// it into a <see cref="ScenarioError"/>; outside this project only <see cref="ScenarioLoader.ParseTree"/> throws it
/// (for tools that re-read a scenario's tree, such as the hunt's counterexample writer).
/// </summary>
public sealed class ScenarioParseException(string keyPath, string message) : Exception(message)
{
    /// <summary>Where in the file ("steps[3].gpa", or "line 12" for syntax errors).</summary>
    public string KeyPath { get; } = keyPath;
}
