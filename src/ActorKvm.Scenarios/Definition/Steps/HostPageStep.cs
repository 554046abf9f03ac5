using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>A host-MM operation on the folio holding one HVA: <c>migrate</c>, <c>thp-split</c>, <c>thp-split-folio</c>, <c>thp-collapse</c>, <c>poison</c>.</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="Operation">Which operation.</param>
/// <param name="Hva">An address inside the page or folio.</param>
public sealed record HostPageStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, HostOp Operation, Hva Hva)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <summary>The operations on one page or folio, by scenario name.</summary>
    private static readonly (HostOp Op, string Name)[] Names =
        [(HostOp.Migrate, "migrate"), (HostOp.ThpSplit, "thp-split"), (HostOp.ThpSplitFolio, "thp-split-folio"), (HostOp.ThpCollapse, "thp-collapse"), (HostOp.Poison, "poison")];

    /// <summary>The ops <c>migrate</c>, <c>thp-split</c>, <c>thp-split-folio</c>, <c>thp-collapse</c>, <c>poison</c>.</summary>
    public static IReadOnlyList<StepOp> Definitions { get; } =
        [.. Names.Select(n => new StepOp(n.Name, PhaseNames.HostOp, ["result"], s => new HostPageStep(s.Index, s.Path, s.Id, s.PauseAt, s.Async, s.Expect, n.Op, s.Hva())))];

    /// <inheritdoc/>
    public override string Op => Names.First(n => n.Op == Operation).Name;

    /// <inheritdoc/>
    public override Activity CreateActivity(Kvm kvm, int id) => new HostOperation(kvm, id, Operation, Hva, Sizes.PageSize, HostProt.None);
}
