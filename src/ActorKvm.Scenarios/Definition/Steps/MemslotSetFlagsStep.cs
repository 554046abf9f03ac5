namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>Changes a memslot's flags (<c>memslot-set-flags</c>); null leaves a flag as it is.</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="SlotId">The slot id.</param>
/// <param name="LogDirty">New <c>log-dirty</c>, or null.</param>
/// <param name="ReadOnly">New <c>readonly</c>, or null (a change is refused by the kernel).</param>
public sealed record MemslotSetFlagsStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, int SlotId, bool? LogDirty, bool? ReadOnly)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <inheritdoc/>
    public override string Op => "memslot-set-flags";
}
