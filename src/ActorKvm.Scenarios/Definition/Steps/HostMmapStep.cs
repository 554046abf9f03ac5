using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>The VMM maps a new VMA into a free HVA range (<c>mmap</c> with <c>MAP_FIXED_NOREPLACE</c>).</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="Hva">Start of the new VMA.</param>
/// <param name="Size">Bytes.</param>
/// <param name="Backing">What backs it.</param>
/// <param name="Prot">Protection.</param>
/// <param name="Shared"><c>MAP_SHARED</c>.</param>
public sealed record HostMmapStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, Hva Hva, ulong Size, BackingKind Backing, HostProt Prot, bool Shared)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <summary>The <c>mmap</c> op.</summary>
    public static StepOp Definition { get; } = new("mmap", [], ["result"], Read);

    /// <inheritdoc/>
    public override string Op => Definition.Name;

    /// <inheritdoc/>
    public override Activity CreateActivity(Kvm kvm, int id) => new HostMmap(kvm, id, Hva, Size, Backing, Prot, Shared);

    private static HostMmapStep Read(StepInput s)
    {
        var (hva, size, backing, prot, shared) = ScenarioReader.ReadVmaFields(s.O);
        return new HostMmapStep(s.Index, s.Path, s.Id, s.PauseAt, s.Async, s.Expect, hva, size, backing, prot, shared);
    }
}
