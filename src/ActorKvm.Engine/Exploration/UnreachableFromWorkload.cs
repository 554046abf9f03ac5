using ActorKvm.Model.Bugs;

namespace ActorKvm.Engine.Exploration;

/// <summary>
/// Modelled switches whose interleaving the generic workload cannot produce faithfully, and why: a hunt that does
/// not find one of these says so instead of just "not found". Their scenario pair and TestKit pair still force it.
/// </summary>
public static class UnreachableFromWorkload
{
    /// <summary>Bug name → why no faithful unscripted workload reaches it.</summary>
    public static IReadOnlyDictionary<string, string> Reasons { get; } = new Dictionary<string, string>
    {
        [HostPtWalkUnprotected.Name] =
            "it needs host page tables freed with no MMU-notifier invalidation while a fault that passed its retry check walks them; " +
            "the only such step is exit_mmap's free_pgtables (the model's free-page-tables), which in the kernel runs after " +
            "mmu_notifier_release has torn stage 2 down (kvm_arch_flush_shadow_all) and after every thread of the mm - every vCPU - " +
            "has exited, so it never overlaps a user_mem_abort of that mm; every other table-freeing path (munmap, THP collapse " +
            "and split) runs inside an invalidation whose mmu_lock write waits for the fault, which then retries",
    };
}
