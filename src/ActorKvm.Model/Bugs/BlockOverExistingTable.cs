namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 8, <c>block-over-existing-table</c>: a block replacing a table first unmaps the range (TLB invalidation, table freed); a table descriptor is never overwritten in place.
/// </summary>
/// <remarks>Kernel fix: 3c3736cd32bf (recurrence 3a0b870e3448). Where: stage2_map_walker table-to-block path.</remarks>
public static class BlockOverExistingTable
{
    /// <summary>The switch name.</summary>
    public const string Name = "block-over-existing-table";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(8, Name, "3c3736cd32bf (recurrence 3a0b870e3448)", "I6, I1", "a block replacing a table first unmaps the range (TLB invalidation, table freed); a table descriptor is never overwritten in place",
        Produces: Oracle.ViolationKind.LeakedTablePage);
}
