namespace ActorKvm.Model.Vm;

/// <summary>VM-wide configuration: IPA size, CPU features and dirty-logging capabilities.</summary>
/// <param name="IpaBits">VM IPA size; <c>kvm_phys_size</c> = 2^IpaBits.</param>
/// <param name="IpaLimit">Host's largest IPA size (<c>get_kvm_ipa_limit</c>).</param>
/// <param name="Vcpus">Number of vCPUs.</param>
/// <param name="Protected">pKVM protected VM.</param>
/// <param name="S2Fwb">ARM64_HAS_STAGE2_FWB.</param>
/// <param name="CacheDic">ARM64_HAS_CACHE_DIC: no I-cache maintenance needed, so every Normal leaf is executable.</param>
/// <param name="CacheIdc">ARM64_HAS_CACHE_IDC.</param>
/// <param name="Mte">The VM has MTE enabled (<c>kvm_has_mte</c>).</param>
/// <param name="Ls64Wb">FEAT_LS64WB.</param>
/// <param name="Nested">FEAT_NV for the guest.</param>
/// <param name="HwAf">The hardware updates the stage-2 access flag (VTCR_EL2.HA): no access-flag faults.</param>
/// <param name="EagerSplitChunk"><c>KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE</c>; 0 = off.</param>
/// <param name="ManualDirtyProtect"><c>KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2</c>.</param>
/// <param name="InitiallyAllSet"><c>KVM_DIRTY_LOG_INITIALLY_SET</c>.</param>
/// <param name="NisvToUser"><c>KVM_CAP_ARM_NISV_TO_USER</c>: an emulated access without a valid syndrome exits with <c>KVM_EXIT_ARM_NISV</c>.</param>
/// <param name="MemcacheCapacity">Model knob: the capacity of each vCPU's memcache (0 = a cache that never holds a page).</param>
public sealed record KvmConfig(
    int IpaBits = 40,
    int IpaLimit = 48,
    int Vcpus = 1,
    bool Protected = false,
    bool S2Fwb = true,
    bool CacheDic = false,
    bool CacheIdc = true,
    bool Mte = false,
    bool Ls64Wb = false,
    bool Nested = false,
    bool HwAf = false,
    ulong EagerSplitChunk = 0,
    bool ManualDirtyProtect = false,
    bool InitiallyAllSet = false,
    int MemcacheCapacity = Stage2.KvmMmuMemoryCache.DefaultCapacity,
    bool NisvToUser = false)
{
    /// <summary><c>kvm_phys_size</c>.</summary>
    public ulong PhysSize => 1UL << IpaBits;

    /// <summary><c>kvm_supports_cacheable_pfnmap</c>: needs S2FWB and CACHE DIC (no kernel VA for CMOs).</summary>
    public bool SupportsCacheablePfnmap => S2Fwb && CacheDic;

    /// <summary><c>kvm_dirty_log_manual_protect_and_init_set</c>.</summary>
    public bool ManualProtectAndInitSet => ManualDirtyProtect && InitiallyAllSet;
}
