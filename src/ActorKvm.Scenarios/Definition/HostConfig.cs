namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>The <c>host</c> section.</summary>
/// <param name="Vmas">Host VMAs in file order; checked not to overlap.</param>
/// <param name="IpaLimit"><c>get_kvm_ipa_limit</c>: the host's largest IPA size (default 48).</param>
public sealed record HostConfig(IReadOnlyList<VmaSpec> Vmas, int IpaLimit)
{
    /// <summary>The VMAs intersecting [hva, hva + size).</summary>
    public IEnumerable<VmaSpec> VmasIntersecting(Model.Arch.Hva hva, ulong size) =>
        Vmas.Where(v => v.Hva.Value < hva.Value + size && hva.Value < v.Hva.Value + v.Size);
}
