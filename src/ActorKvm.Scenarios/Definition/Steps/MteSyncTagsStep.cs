using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>
/// A second mapping of the shared memory behind an HVA installs a tagged PTE for its page, so <c>set_pte_at</c>
/// initialises the page's MTE tags (<c>mte-sync-tags</c>; pause-at <c>mte-claim</c>).
/// </summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="Hva">The address in the primary mapping.</param>
public sealed record MteSyncTagsStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, Hva Hva)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <summary>The <c>mte-sync-tags</c> op.</summary>
    public static StepOp Definition { get; } = new("mte-sync-tags", PhaseNames.MteSync, ["result"], s => new MteSyncTagsStep(s.Index, s.Path, s.Id, s.PauseAt, s.Async, s.Expect, s.Hva()));

    /// <inheritdoc/>
    public override string Op => Definition.Name;

    /// <inheritdoc/>
    public override Activity CreateActivity(Kvm kvm, int id) => new MteSyncTags(kvm, id, Hva);
}
