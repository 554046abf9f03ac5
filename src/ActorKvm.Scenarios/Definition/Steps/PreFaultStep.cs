using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Vm;

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
    /// <summary>The <c>pre-fault</c> op.</summary>
    public static StepOp Definition { get; } = new("pre-fault", PhaseNames.Fault, ["result", "mapped", "size", "perms", "memtype"], s => new PreFaultStep(s.Index, s.Path, s.Id, s.PauseAt, s.Async, s.Expect, s.Vcpu(), new Ipa(s.O.RequiredAddress("gpa")), s.O.RequiredSize("size")));

    /// <inheritdoc/>
    public override string Op => Definition.Name;

    /// <inheritdoc/>
    public override Activity CreateActivity(Kvm kvm, int id) => new PreFaultMemory(kvm, id, kvm.Vcpus[Vcpu], Gpa, Size);
}
