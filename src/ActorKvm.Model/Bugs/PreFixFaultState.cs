using ActorKvm.Model.Arch;
using ActorKvm.Model.Host;

namespace ActorKvm.Model.Bugs;

/// <summary>
/// What the pre-fix variants of the fault path carry from one phase to a later one. The fixed kernel keeps none of
/// it, so it lives here rather than in <see cref="Fault.KvmS2Fault"/>: a handler makes one on the first fault that
/// needs it (only with one of these switches on) and clears it for every abort.
/// </summary>
public sealed class PreFixFaultState
{
    /// <summary><c>mmu-seq-snapshot-after-vma-unlock</c>: <c>mmu_invalidate_seq</c> is still to be read, after the unlock.</summary>
    public bool SeqSnapshotPending { get; set; }

    /// <summary>
    /// <c>vma-used-after-mmap-unlock</c>: the VMA itself, kept past <c>mmap_read_unlock</c> (the fixed kernel sets its
    /// pointer to NULL: "Don't use the VMA after the unlock -- it may have vanished").
    /// </summary>
    public Vma? KeptVma { get; set; }

    /// <summary><c>page-touched-after-mmu-unlock</c>: the pfn <c>handle_access_fault</c> marks accessed after dropping the lock.</summary>
    public Pfn? TouchAfterUnlock { get; set; }

    /// <summary>Clears everything for the next abort.</summary>
    public void Reset()
    {
        SeqSnapshotPending = false;
        KeptVma = null;
        TouchAfterUnlock = null;
    }
}
