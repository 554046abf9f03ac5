namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 24, <c>mmu-seq-snapshot-after-faultin</c>: mmu_invalidate_seq is snapshotted (with smp_rmb) before the pfn is looked up.
/// </summary>
/// <remarks>Kernel fix: unknown. Where: user_mem_abort snapshot order (UserMemAbort.GetVmaInfo / ComputeProt).</remarks>
public static class MmuSeqSnapshotAfterFaultin
{
    /// <summary>The switch name.</summary>
    public const string Name = "mmu-seq-snapshot-after-faultin";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(24, Name, "unknown", "I1", "mmu_invalidate_seq is snapshotted (with smp_rmb) before the pfn is looked up",
        Produces: Oracle.ViolationKind.StaleMapping);
}
