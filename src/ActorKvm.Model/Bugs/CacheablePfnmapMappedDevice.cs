namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 16, <c>cacheable-pfnmap-mapped-device</c>: a cacheable PFNMAP VMA is mapped Normal-cacheable where supported, else rejected - never silently mapped Device.
/// </summary>
/// <remarks>Kernel fix: 2a8dfab26677. Where: kvm_s2_fault_compute_prot and kvm_arch_prepare_memory_region.</remarks>
public static class CacheablePfnmapMappedDevice
{
    /// <summary>The switch name.</summary>
    public const string Name = "cacheable-pfnmap-mapped-device";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(16, Name, "2a8dfab26677", "I5", "a cacheable PFNMAP VMA is mapped Normal-cacheable where supported, else rejected - never silently mapped Device",
        Produces: Oracle.ViolationKind.WrongMemtype);
}
