using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>Moves a memslot to a new guest physical base (<c>memslot-move</c>).</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="SlotId">The slot id.</param>
/// <param name="Gpa">The new base.</param>
public sealed record MemslotMoveStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, int SlotId, Ipa Gpa)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <summary>The <c>memslot-move</c> op.</summary>
    public static StepOp Definition { get; } = new("memslot-move", PhaseNames.MemslotOp, ["result"], s => new MemslotMoveStep(s.Index, s.Path, s.Id, s.PauseAt, s.Async, s.Expect, s.SlotId(), new Ipa(s.O.RequiredAddress("gpa"))), idNamesSlot: true);

    /// <inheritdoc/>
    public override string Op => Definition.Name;

    /// <inheritdoc/>
    public override Activity CreateActivity(Kvm kvm, int id) => new MemslotUpdate(kvm, id, MemslotSpec.Current(kvm, SlotId) with { Gpa = Gpa });
}
