using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>Creates a memslot at run time (<c>memslot-create</c>); the kernel's errno is the result.</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="Slot">The slot, only syntactically checked.</param>
public sealed record MemslotCreateStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, MemslotSpec Slot)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <summary>The <c>memslot-create</c> op.</summary>
    public static StepOp Definition { get; } = new("memslot-create", PhaseNames.MemslotOp, ["result"], s => new MemslotCreateStep(s.Index, s.Path, s.Id, s.PauseAt, s.Async, s.Expect, ScenarioReader.ReadMemslot(s.O.Require("slot"), s.O.PathOf("slot"))));

    /// <inheritdoc/>
    public override string Op => Definition.Name;

    /// <inheritdoc/>
    public override Activity CreateActivity(Kvm kvm, int id) => new MemslotUpdate(kvm, id, Slot.ToRequest());
}
