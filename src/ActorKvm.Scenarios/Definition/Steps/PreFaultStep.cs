using ActorKvm.Model.Arch;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary><c>KVM_PRE_FAULT_MEMORY</c> over a range (<c>pre-fault</c>).</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="Vcpu">The vCPU whose ioctl it is.</param>
/// <param name="Gpa">Start of the range.</param>
/// <param name="Size">Length in bytes.</param>
public sealed record PreFaultStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, int Vcpu, Ipa Gpa, ulong Size)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <inheritdoc/>
    public override string Op => "pre-fault";
}
