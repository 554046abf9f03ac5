namespace ActorKvm.Engine.Scenarios.Execution;

/// <summary>Run-time options from the command line, on top of what the scenario file says.</summary>
/// <param name="ExtraBugs">Bug switches turned on in addition to the scenario's <c>bugs</c> (<c>--bug</c>; known names).</param>
/// <param name="TracePath">Where to write the Chrome trace-event JSON (<c>--trace</c>), or null.</param>
public sealed record ScenarioRunOptions(IReadOnlyList<string> ExtraBugs, string? TracePath)
{
    /// <summary>Variants turned on in addition to the scenario's <c>variants</c> (<c>--variant</c>; known names).</summary>
    public IReadOnlyList<string> ExtraVariants { get; init; } = [];

    /// <summary>No extra bugs, no trace.</summary>
    public static ScenarioRunOptions Default { get; } = new([], null);
}
