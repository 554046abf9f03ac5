namespace ActorKvm.Engine.Scenarios.Loading;

/// <summary>
/// Carries one user-facing problem from deep inside the reader to <see cref="ScenarioLoader"/>, which turns
/// it into a <see cref="ScenarioError"/>; it never escapes the loader.
/// </summary>
internal sealed class ScenarioParseException(string keyPath, string message) : Exception(message)
{
    /// <summary>Where in the file ("steps[3].gpa", or "line 12" for syntax errors).</summary>
    public string KeyPath { get; } = keyPath;
}
