using ActorKvm.Model.Fault;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>Changes a memslot's flags (<c>memslot-set-flags</c>); null leaves a flag as it is.</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="SlotId">The slot id.</param>
/// <param name="LogDirty">New <c>log-dirty</c>, or null.</param>
/// <param name="ReadOnly">New <c>readonly</c>, or null (a change is refused by the kernel).</param>
public sealed record MemslotSetFlagsStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, int SlotId, bool? LogDirty, bool? ReadOnly)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <summary>The <c>memslot-set-flags</c> op.</summary>
    public static StepOp Definition { get; } = new("memslot-set-flags", PhaseNames.MemslotOp, ["result"], s => new MemslotSetFlagsStep(s.Index, s.Path, s.Id, s.PauseAt, s.Async, s.Expect, s.SlotId(), s.O.Bool("log-dirty"), s.O.Bool("readonly")), idNamesSlot: true);

    /// <inheritdoc/>
    public override string Op => Definition.Name;

    /// <inheritdoc/>
    public override Activity CreateActivity(Kvm kvm, int id) => new MemslotUpdate(kvm, id, WithFlags(MemslotSpec.Current(kvm, SlotId), LogDirty, ReadOnly));

    /// <summary>The request with the flags changed; a set-flags on a missing slot keeps its zero size, so validation says EINVAL.</summary>
    private static MemslotRequest WithFlags(MemslotRequest r, bool? logDirty, bool? readOnly)
    {
        var flags = r.Flags;
        if (logDirty is { } l) flags = l ? flags | MemslotFlags.LogDirtyPages : flags & ~MemslotFlags.LogDirtyPages;
        if (readOnly is { } ro) flags = ro ? flags | MemslotFlags.ReadOnly : flags & ~MemslotFlags.ReadOnly;
        return r with { Flags = flags };
    }
}
