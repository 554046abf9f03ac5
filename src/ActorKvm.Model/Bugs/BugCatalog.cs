namespace ActorKvm.Model.Bugs;

/// <summary>
/// The registry of bug switches (one file per bug under <c>Bugs/</c>, named as in the catalog), in catalog order.
/// Scenario <c>bugs = [...]</c> and <c>--bug NAME</c> accept exactly these names.
/// </summary>
public static class BugCatalog
{
    /// <summary>Every catalog entry, in catalog order.</summary>
    public static IReadOnlyList<BugSwitch> All { get; } =
    [
        PageLeakOnAttrMismatch.Switch,
        PageLeakOnExclAtomicFault.Switch,
        MemcacheUninitOnPermMap.Switch,
        MmuSeqSnapshotAfterVmaUnlock.Switch,
        SplitBlockUnderReadLock.Switch,
        VmaUsedAfterMmapUnlock.Switch,
        HostPtWalkUnprotected.Switch,
        BlockOverExistingTable.Switch,
        HugeMapIgnoresMemslotBounds.Switch,
        ForcePteIgnoredForHugetlb.Switch,
        ThpAdjustSkipsHugeCheck.Switch,
        PermFaultRelaxIgnoresGranule.Switch,
        DirtyMarkedBeforeMapSuccess.Switch,
        DevicePfnDemandPagedAsRam.Switch,
        DevicePfnThpUpgraded.Switch,
        CacheablePfnmapMappedDevice.Switch,
        HwpoisonStaleVmaShift.Switch,
        MteTagInitRace.Switch,
        PageTouchedAfterMmuUnlock.Switch,
        CanonicalIpaNotAligned.Switch,
        ContHugetlbTreatedAsThp.Switch,
        ContHugetlbSizeUnsupported.Switch,
        PudNoPmdFallback.Switch,
        MmuSeqSnapshotAfterFaultin.Switch,
        RetryIgnoresInProgress.Switch,
    ];

    private static readonly Dictionary<string, BugSwitch> ByName = All.ToDictionary(b => b.Name, StringComparer.Ordinal);

    /// <summary>The known switch names, in catalog order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(b => b.Name)];

    /// <summary>True when <paramref name="name"/> is a known switch.</summary>
    public static bool IsKnown(string name) => ByName.ContainsKey(name);

    /// <summary>The entry named <paramref name="name"/>, or null.</summary>
    public static BugSwitch? Find(string name) => ByName.GetValueOrDefault(name);
}
