using ActorKvm.Model.Arch;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>A host-MM operation on the folio holding one HVA: <c>migrate</c>, <c>thp-split</c>, <c>thp-split-folio</c>, <c>thp-collapse</c>, <c>poison</c>.</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="Operation">Which operation.</param>
/// <param name="Hva">An address inside the page or folio.</param>
public sealed record HostPageStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, HostPageOp Operation, Hva Hva)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <inheritdoc/>
    public override string Op => ScenarioNames.Name(Operation);
}
