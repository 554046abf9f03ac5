namespace ActorKvm.Model.Oracle;

/// <summary>
/// What a violation is about — the guest IPA of a leaf, a host page, a VMA — so that a run counts distinct
/// subjects, not events: one stale 2M block re-checked after every step is one subject with many events.
/// </summary>
public static class ViolationSubject
{
    /// <summary>
    /// The subject of a report of <paramref name="kind"/> whose first de-duplication key is <paramref name="key"/>
    /// (the keys of <see cref="KvmOracle.Report"/>), e.g. <c>ipa 0x40200000</c>; null when the report carries no address.
    /// </summary>
    public static string? Of(ViolationKind kind, ulong key)
    {
        if (key == 0) return null;
        return kind switch
        {
            ViolationKind.StaleMapping or ViolationKind.WritableHostReadonly or ViolationKind.OutsideMemslot or ViolationKind.MisalignedBlock
                or ViolationKind.OversizedBlock or ViolationKind.WrongMemtype or ViolationKind.BlockWhileLogging or ViolationKind.WritableNotDirty
                or ViolationKind.NestedPermission or ViolationKind.SuboptimalSize or ViolationKind.DirtyPageNotHarvested or ViolationKind.SplitChangedMapping
                or ViolationKind.ExitWithoutCause or ViolationKind.DirtyReleaseMismatch or ViolationKind.Stage2MapMismatch => $"ipa 0x{key:x}",
            ViolationKind.UntaggedMtePage or ViolationKind.ReleasedPageTouched or ViolationKind.MteTagsLost => $"pfn 0x{key:x}",
            ViolationKind.LostWrite or ViolationKind.FreedHostTableRead => $"hva 0x{key:x}",
            ViolationKind.FreedVmaUse => $"vma {key - 1}",
            _ => null,
        };
    }
}
