using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>The guest performs one access (<c>access</c>); faults are raised and handled until it completes or exits.</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="Vcpu">The vCPU that accesses.</param>
/// <param name="Gpa">The address (an L2 IPA while nested).</param>
/// <param name="Kind">read, write, exec, atomic or cmo.</param>
/// <param name="Value">Value stored by a write or atomic.</param>
public sealed record AccessStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, int Vcpu, Ipa Gpa, AccessKind Kind, ulong? Value)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <inheritdoc/>
    public override string Op => "access";
}
