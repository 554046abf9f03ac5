namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 19, <c>page-touched-after-mmu-unlock</c>: page-state updates derived from a stage-2 mapping happen while the MMU lock still excludes the invalidation; after unlock the fault touches no page.
/// </summary>
/// <remarks>Kernel fix: 28991c91d577, 2362506f7cff. Where: handle_access_fault (HandleAccessFault, map/complete).</remarks>
public static class PageTouchedAfterMmuUnlock
{
    /// <summary>The switch name.</summary>
    public const string Name = "page-touched-after-mmu-unlock";

    // Measured (README): found in 2 of 6 10 s runs by default, 11 of 11 at the race density with 2 vCPUs (1-7 violations each).
    /// <summary>What the stress workload must do before a run can show this switch (<c>run --bug</c> applies it).</summary>
    public static readonly BugNeeds Needs = new(
        "the access-flag fault touches its page one actor turn after dropping mmu_lock (handle_access_fault) and an invalidation "
        + "freeing that page must run in that turn: a small guest revisits its aged pages, and the host frees them, far more often",
        RaceDensity: true, Vcpus: 2);

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(19, Name, "28991c91d577, 2362506f7cff", "I1, I2", "page-state updates derived from a stage-2 mapping happen while the MMU lock still excludes the invalidation; after unlock the fault touches no page",
        Produces: Oracle.ViolationKind.ReleasedPageTouched, Needs: Needs);

    /// <summary>
    /// <c>handle_access_fault</c> before 2362506f7cff, after a successful mkyoung: read the pfn of the leaf, then drop
    /// <c>mmu_lock</c> right away; the caller marks the page accessed (<c>kvm_set_pfn_accessed</c>) after the unlock.
    /// </summary>
    public static Arch.Pfn ReadPfnThenUnlock(Vm.Kvm kvm, int holder, Arch.Ipa faultIpa)
    {
        var pfn = kvm.Pgt.GetLeaf(faultIpa).Leaf.PfnAt(faultIpa);
        kvm.MmuLock.Release(holder);
        return pfn;
    }
}
