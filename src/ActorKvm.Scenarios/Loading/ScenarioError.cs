namespace ActorKvm.Engine.Scenarios.Loading;

/// <summary>
/// Why a scenario file cannot run: one line naming the file, the key path and the problem.
/// </summary>
/// <param name="File">The file, as given to the loader.</param>
/// <param name="KeyPath">Where: a key path (<c>steps[3].gpa</c>), <c>line N</c> for syntax errors, or empty.</param>
/// <param name="Message">What is wrong, one line.</param>
public sealed record ScenarioError(string File, string KeyPath, string Message)
{
    /// <summary><c>FILE: KEYPATH: MESSAGE</c> (or <c>FILE: MESSAGE</c> without a key path).</summary>
    public override string ToString() => KeyPath.Length == 0 ? $"{File}: {Message}" : $"{File}: {KeyPath}: {Message}";
}
