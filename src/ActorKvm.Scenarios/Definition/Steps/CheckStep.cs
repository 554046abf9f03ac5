namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>Runs the oracle now (<c>check</c>; <c>expect.violations</c>).</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
public sealed record CheckStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <summary>The <c>check</c> op.</summary>
    public static StepOp Definition { get; } = new("check", [], [], s => new CheckStep(s.Index, s.Path, s.Id, s.PauseAt, s.Async, s.Expect));

    /// <inheritdoc/>
    public override string Op => Definition.Name;
}
