using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>One entry of <c>host.vmas</c>.</summary>
/// <param name="Hva">Start address (page aligned; hugetlb: aligned to the huge page).</param>
/// <param name="Size">Length in bytes.</param>
/// <param name="Backing">What backs it.</param>
/// <param name="Prot">Host protection (required).</param>
/// <param name="Shared"><c>MAP_SHARED</c> (default false).</param>
/// <param name="Path">Key path for messages, e.g. <c>host.vmas[0]</c>.</param>
public sealed record VmaSpec(Hva Hva, ulong Size, BackingKind Backing, HostProt Prot, bool Shared, string Path)
{
    /// <summary>One past the last byte.</summary>
    public Hva End => Hva + Size;
}
