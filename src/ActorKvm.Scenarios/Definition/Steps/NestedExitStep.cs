using ActorKvm.Model.Nested;
using ActorKvm.Model.Vm;

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
    /// <summary>The <c>nested-exit</c> op.</summary>
    public static StepOp Definition { get; } = new("nested-exit", [], ["result"], s => new NestedExitStep(s.Index, s.Path, s.Id, s.PauseAt, s.Async, s.Expect, s.Vcpu()));

    /// <inheritdoc/>
    public override string Op => Definition.Name;

    /// <inheritdoc/>
    public override Activity CreateActivity(Kvm kvm, int id) => new NestedTransition(kvm, id, kvm.Vcpus[Vcpu], null);
}
