namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>Lets a paused step run on (<c>resume</c>), to completion or to its next <c>pause-at</c>.</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="TargetId">The id of the paused step (the <c>id</c> key of a resume names its target).</param>
public sealed record ResumeStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, string TargetId)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <summary>The <c>resume</c> op.</summary>
    public static StepOp Definition { get; } = new("resume", [], [], s => new ResumeStep(s.Index, s.Path, null, s.PauseAt, s.Async, s.Expect, s.O.RequiredString("id")));

    /// <inheritdoc/>
    public override string Op => Definition.Name;
}
