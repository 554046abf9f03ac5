namespace ActorKvm.Model.Bugs;

/// <summary>
/// Catalog entry 19, <c>page-touched-after-mmu-unlock</c>: page-state updates derived from a stage-2 mapping happen while the MMU lock still excludes the invalidation; after unlock the fault touches no page.
/// </summary>
/// <remarks>Kernel fix: 28991c91d577, 2362506f7cff. Where: handle_access_fault (HandleAccessFault, map/complete).</remarks>
public static class PageTouchedAfterMmuUnlock
{
    /// <summary>The switch name.</summary>
    public const string Name = "page-touched-after-mmu-unlock";

    /// <summary>The catalog entry.</summary>
    public static readonly BugSwitch Switch = new(19, Name, "28991c91d577, 2362506f7cff", "I1, I2", "page-state updates derived from a stage-2 mapping happen while the MMU lock still excludes the invalidation; after unlock the fault touches no page");

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
