namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>The vCPU returns from L2 to L1 (<c>nested-exit</c>).</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="Vcpu">The vCPU.</param>
public sealed record NestedExitStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, int Vcpu)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <inheritdoc/>
    public override string Op => "nested-exit";
}
