namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 11, <c>thp-adjust-skips-huge-check</c>: THP promotion to a PMD block only if fault_supports_stage2_huge_mapping(memslot, hva, PMD_SIZE) holds.
/// </summary>
/// <remarks>Kernel fix: unknown. Where: transparent_hugepage_adjust (KvmS2FaultMap.TransparentHugepageAdjust).</remarks>
public static class ThpAdjustSkipsHugeCheck
{
    /// <summary>The switch name.</summary>
    public const string Name = "thp-adjust-skips-huge-check";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(11, Name, "unknown", "I4", "THP promotion to a PMD block only if fault_supports_stage2_huge_mapping(memslot, hva, PMD_SIZE) holds",
        Produces: Oracle.ViolationKind.MisalignedBlock);
}
