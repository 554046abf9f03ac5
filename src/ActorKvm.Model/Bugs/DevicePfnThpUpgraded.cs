namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 15, <c>device-pfn-thp-upgraded</c>: THP adjustment never runs on a device pfn: its mapping size is frozen.
/// </summary>
/// <remarks>Kernel fix: 91a2c34b7d6f. Where: user_mem_abort -&gt; transparent_hugepage_adjust gating (KvmS2FaultMap.AdjustSize).</remarks>
public static class DevicePfnThpUpgraded
{
    /// <summary>The switch name.</summary>
    public const string Name = "device-pfn-thp-upgraded";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(15, Name, "91a2c34b7d6f", "I4, I5", "THP adjustment never runs on a device pfn: its mapping size is frozen",
        Produces: Oracle.ViolationKind.OversizedBlock);
}
