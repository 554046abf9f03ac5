using ActorKvm.Model.Arch;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>The VMM writes a value at an HVA (<c>host-write</c>).</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="Hva">The address.</param>
/// <param name="Value">The value written.</param>
public sealed record HostWriteStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, Hva Hva, ulong Value)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <inheritdoc/>
    public override string Op => "host-write";
}
