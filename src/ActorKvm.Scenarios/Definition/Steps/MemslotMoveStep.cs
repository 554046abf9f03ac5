using ActorKvm.Model.Arch;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>Moves a memslot to a new guest physical base (<c>memslot-move</c>).</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="SlotId">The slot id.</param>
/// <param name="Gpa">The new base.</param>
public sealed record MemslotMoveStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, int SlotId, Ipa Gpa)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <inheritdoc/>
    public override string Op => "memslot-move";
}
