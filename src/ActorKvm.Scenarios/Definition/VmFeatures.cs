namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>The <c>vm.features</c> section: CPU and VM capabilities that change the fault path.</summary>
/// <param name="S2Fwb">FEAT_S2FWB (default true).</param>
/// <param name="CacheDic">CTR_EL0.DIC: no I-cache invalidation needed (default false).</param>
/// <param name="CacheIdc">CTR_EL0.IDC: no D-cache clean needed (default true).</param>
/// <param name="Mte">The VM has MTE enabled (default false).</param>
/// <param name="Ls64Wb">FEAT_LS64WB (default false).</param>
/// <param name="Nested">Nested virtualisation (default false).</param>
/// <param name="HwAf">The hardware updates the stage-2 access flag, so no access-flag faults (default false).</param>
public sealed record VmFeatures(bool S2Fwb, bool CacheDic, bool CacheIdc, bool Mte, bool Ls64Wb, bool Nested, bool HwAf)
{
    /// <summary>The format's defaults.</summary>
    public static VmFeatures Default { get; } = new(true, false, true, false, false, false, false);

    /// <summary><c>kvm_supports_cacheable_pfnmap</c>: cacheable PFNMAP needs S2FWB and DIC (no kernel VA for CMOs).</summary>
    public bool SupportsCacheablePfnMap => S2Fwb && CacheDic;
}
