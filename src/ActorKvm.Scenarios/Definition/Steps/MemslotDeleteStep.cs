namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>Deletes a memslot (<c>memslot-delete</c>).</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="SlotId">The slot id.</param>
public sealed record MemslotDeleteStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, int SlotId)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <inheritdoc/>
    public override string Op => "memslot-delete";
}
