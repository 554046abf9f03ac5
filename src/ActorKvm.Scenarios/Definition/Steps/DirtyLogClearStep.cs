using ActorKvm.Model.Fault;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary><c>KVM_CLEAR_DIRTY_LOG</c> for a range of a slot's pages (<c>dirty-log-clear</c>).</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="SlotId">The slot id.</param>
/// <param name="First">First page offset.</param>
/// <param name="Count">Number of pages.</param>
public sealed record DirtyLogClearStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, int SlotId, ulong First, ulong Count)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <summary>The <c>dirty-log-clear</c> op.</summary>
    public static StepOp Definition { get; } = new("dirty-log-clear", PhaseNames.MemslotOp, ["result"], s => new DirtyLogClearStep(s.Index, s.Path, s.Id, s.PauseAt, s.Async, s.Expect, s.O.RequiredInt("slot", 0, short.MaxValue), s.O.RequiredUInt64("first"), s.O.RequiredUInt64("count")));

    /// <inheritdoc/>
    public override string Op => Definition.Name;

    /// <inheritdoc/>
    public override Activity CreateActivity(Kvm kvm, int id) => new DirtyLogIoctl(kvm, id, SlotId, clear: true, First, Count);
}
