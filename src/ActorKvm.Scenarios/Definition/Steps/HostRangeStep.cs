using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>A host-MM operation over an HVA range: <c>munmap</c>, <c>mprotect</c>, <c>madvise-dontneed</c>, <c>swap-out</c>.</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="Operation">Which operation.</param>
/// <param name="Hva">Start of the range.</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="Prot">The new protection (<c>mprotect</c> only).</param>
public sealed record HostRangeStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, HostRangeOp Operation, Hva Hva, ulong Size, HostProt? Prot)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <inheritdoc/>
    public override string Op => ScenarioNames.Name(Operation);
}
