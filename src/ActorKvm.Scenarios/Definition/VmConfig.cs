namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>
/// The <c>vm</c> section. The stage-2 granule is always 4 KiB: the loader refuses 16K and 64K.
/// </summary>
/// <param name="IpaBits">IPA size; <c>kvm_phys_size</c> = 2^IpaBits (32..52, default 40).</param>
/// <param name="Vcpus">Number of vCPUs (default 1).</param>
/// <param name="Protected">pKVM protected VM: faults go to <c>pkvm_mem_abort</c> (default false).</param>
/// <param name="Features">CPU/VM capabilities.</param>
/// <param name="EagerSplitChunk"><c>KVM_CAP_ARM_EAGER_SPLIT_CHUNK_SIZE</c> in bytes; 0 = off (default).</param>
/// <param name="ManualDirtyProtect"><c>KVM_CAP_MANUAL_DIRTY_LOG_PROTECT2</c> (default false).</param>
/// <param name="InitiallyAllSet"><c>KVM_DIRTY_LOG_INITIALLY_SET</c>; needs <paramref name="ManualDirtyProtect"/> (default false).</param>
/// <param name="MemcacheCapacity">
/// <c>memcache-capacity</c>, a model knob: the most pages a vCPU memcache top-up may hold (default 40,
/// <c>KVM_ARCH_NR_OBJS_PER_MEMORY_CACHE</c>). 0 makes a cache that never holds a page, so a map that needs a
/// table page fails with -ENOMEM in the walker (an allocation failure the kernel cannot otherwise show there).
/// </param>
/// <param name="NisvToUser"><c>nisv-to-user</c>: <c>KVM_CAP_ARM_NISV_TO_USER</c>, refused for a protected VM (default false).</param>
public sealed record VmConfig(
    int IpaBits,
    int Vcpus,
    bool Protected,
    VmFeatures Features,
    ulong EagerSplitChunk,
    bool ManualDirtyProtect,
    bool InitiallyAllSet,
    int MemcacheCapacity = Model.Stage2.KvmMmuMemoryCache.DefaultCapacity,
    bool NisvToUser = false)
{
    /// <summary>The format's defaults.</summary>
    public static VmConfig Default { get; } = new(40, 1, false, VmFeatures.Default, 0, false, false);

    /// <summary><c>kvm_phys_size</c>: bytes of IPA space.</summary>
    public ulong PhysSize => 1UL << IpaBits;
}
