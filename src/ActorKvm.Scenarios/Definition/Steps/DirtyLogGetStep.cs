using ActorKvm.Model.Fault;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary><c>KVM_GET_DIRTY_LOG</c> for a slot (<c>dirty-log-get</c>; <c>expect.pages</c>).</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="SlotId">The slot id.</param>
public sealed record DirtyLogGetStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, int SlotId)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <summary>The <c>dirty-log-get</c> op.</summary>
    public static StepOp Definition { get; } = new("dirty-log-get", PhaseNames.MemslotOp, ["result", "pages"], s => new DirtyLogGetStep(s.Index, s.Path, s.Id, s.PauseAt, s.Async, s.Expect, s.O.RequiredInt("slot", 0, short.MaxValue)));

    /// <inheritdoc/>
    public override string Op => Definition.Name;

    /// <inheritdoc/>
    public override Activity CreateActivity(Kvm kvm, int id) => new DirtyLogIoctl(kvm, id, SlotId, clear: false);
}
