using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Nested;

/// <summary>One leaf of the L1 hypervisor's stage 2 for its L2 guest: L2 IPA → L1 IPA, block size and permissions.</summary>
/// <param name="L2Ipa">Input address (L2 IPA), aligned to <paramref name="Size"/>.</param>
/// <param name="L1Ipa">Output address (L1 IPA), aligned to <paramref name="Size"/>.</param>
/// <param name="Size">The L1 leaf size: 4K, 2M or 1G.</param>
/// <param name="Perms">The L1 leaf's R/W/X.</param>
public readonly record struct L1S2Map(Ipa L2Ipa, Ipa L1Ipa, ulong Size, S2Prot Perms);
