using ActorKvm.Model.Arch;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>One mapping of the L1 hypervisor's stage-2 for an L2 guest (<c>nested-enter</c>'s <c>l1-s2</c>).</summary>
/// <param name="L2Ipa">The L2 IPA (input of L1's stage-2).</param>
/// <param name="L1Ipa">The L1 IPA it maps to.</param>
/// <param name="Size">The L1 block size.</param>
/// <param name="Perms">L1's permissions for it.</param>
/// <param name="Path">Key path for messages.</param>
public sealed record L1S2Mapping(Ipa L2Ipa, Ipa L1Ipa, ulong Size, S2Prot Perms, string Path);
