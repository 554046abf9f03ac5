namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 14, <c>device-pfn-demand-paged-as-ram</c>: a fault resolving to device memory is mapped Device, PTE-sized, without CMOs and never executable.
/// </summary>
/// <remarks>Kernel fix: 6d674e28f642. Where: kvm_s2_fault_compute_prot device classification (UserMemAbort.ComputeProt).</remarks>
public static class DevicePfnDemandPagedAsRam
{
    /// <summary>The switch name.</summary>
    public const string Name = "device-pfn-demand-paged-as-ram";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(14, Name, "6d674e28f642", "I5, I4", "a fault resolving to device memory is mapped Device, PTE-sized, without CMOs and never executable",
        Produces: Oracle.ViolationKind.WrongMemtype);
}
