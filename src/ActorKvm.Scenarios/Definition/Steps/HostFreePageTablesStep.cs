using ActorKvm.Model.Arch;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>The host frees the page tables of an HVA range without an MMU-notifier invalidation (<c>free-page-tables</c>).</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="Hva">Start of the range.</param>
/// <param name="Size">Bytes.</param>
public sealed record HostFreePageTablesStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, Hva Hva, ulong Size)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <summary>The <c>free-page-tables</c> op.</summary>
    public static StepOp Definition { get; } = new("free-page-tables", [], ["result"], s => new HostFreePageTablesStep(s.Index, s.Path, s.Id, s.PauseAt, s.Async, s.Expect, s.Hva(), s.O.RequiredSize("size")));

    /// <inheritdoc/>
    public override string Op => Definition.Name;

    /// <inheritdoc/>
    public override Activity CreateActivity(Kvm kvm, int id) => new HostFreePageTables(kvm, id, Hva, Size);
}
