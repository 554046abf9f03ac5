using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>A host-MM operation over an HVA range: <c>munmap</c>, <c>mprotect</c>, <c>madvise-dontneed</c>, <c>swap-out</c>.</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="Operation">Which operation.</param>
/// <param name="Hva">Start of the range.</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="Prot">The new protection (<c>mprotect</c> only).</param>
public sealed record HostRangeStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, HostOp Operation, Hva Hva, ulong Size, HostProt? Prot)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <summary>The operations over a range, by scenario name.</summary>
    private static readonly (HostOp Op, string Name)[] Names =
        [(HostOp.Munmap, "munmap"), (HostOp.Mprotect, "mprotect"), (HostOp.MadviseDontneed, "madvise-dontneed"), (HostOp.SwapOut, "swap-out")];

    /// <summary>The ops <c>munmap</c>, <c>mprotect</c>, <c>madvise-dontneed</c>, <c>swap-out</c>.</summary>
    public static IReadOnlyList<StepOp> Definitions { get; } =
        [.. Names.Select(n => new StepOp(n.Name, PhaseNames.HostOp, ["result"], s => Read(s, n.Op)))];

    /// <inheritdoc/>
    public override string Op => Names.First(n => n.Op == Operation).Name;

    /// <inheritdoc/>
    public override Activity CreateActivity(Kvm kvm, int id) => new HostOperation(kvm, id, Operation, Hva, Size, Prot ?? HostProt.None);

    private static HostRangeStep Read(StepInput s, HostOp op)
    {
        var hva = s.Hva();
        var size = s.O.RequiredSize("size");
        HostProt? prot = op == HostOp.Mprotect ? (HostProt)(byte)Values.Perms(s.O.Require("prot"), s.O.PathOf("prot")) : null;
        return new HostRangeStep(s.Index, s.Path, s.Id, s.PauseAt, s.Async, s.Expect, op, hva, size, prot);
    }
}
