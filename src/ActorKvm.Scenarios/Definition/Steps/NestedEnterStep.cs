namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>The vCPU enters an L2 guest whose L1 stage-2 holds the given mappings (<c>nested-enter</c>).</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="Vcpu">The vCPU.</param>
/// <param name="L1S2">L1's stage-2 mappings.</param>
public sealed record NestedEnterStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, int Vcpu, IReadOnlyList<L1S2Mapping> L1S2)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <inheritdoc/>
    public override string Op => "nested-enter";
}
