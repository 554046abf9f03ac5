using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Host;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Workload;

/// <summary>Why a workload access exited or a host operation failed, and whether the workload does that on purpose.</summary>
/// <param name="What">The exit (<c>efault</c>) or the operation and errno (<c>migrate ebusy</c>).</param>
/// <param name="Why">The cause, in kernel terms.</param>
/// <param name="Intended">True when the stress workload provokes it on purpose (a slot replaced, a page poisoned, ...).</param>
public sealed record OutcomeCause(string What, string Why, bool Intended);

/// <summary>
/// Classifies the accesses that did not complete and the host operations that failed in the stress workload
/// (<see cref="WorkloadDriver"/>): a summary that shows <c>efault 52</c> or <c>einval 128</c> says why next to it,
/// and whether the workload meant it. The access is classified when it finishes, from its kind and where its IPA
/// leads now; anything this table does not know is reported as not intended.
/// </summary>
public static class OutcomeCauses
{
    /// <summary>The cause of <paramref name="access"/>'s exit (null when it completed).</summary>
    public static OutcomeCause? Of(Kvm kvm, GuestAccess access)
    {
        var exit = access.Exit;
        if (exit.Kind == AccessExitKind.Ok) return null;
        var name = exit.Name;
        var slot = kvm.Memslots.Find(Gfn.Of(access.Gpa));
        var vma = slot is null ? null : kvm.Mm.FindVma(slot.IpaToHva(access.Gpa));
        return (exit.Kind, exit.Errno) switch
        {
            (AccessExitKind.Mmio, _) when slot is null =>
                new(name, "no memslot at the IPA: the churned slot was moving (memslot churn) - the VMM emulates it", true),
            (AccessExitKind.Mmio, _) when slot.ReadOnly =>
                new(name, "a write to a read-only memslot", true),
            (AccessExitKind.Mmio, _) =>
                new(name, "the memslot was invalid when the fault looked it up (a move in progress: memslot churn), back by the end of the access", true),
            (AccessExitKind.Errno, Errno.ENOSYS) or (AccessExitKind.Nisv, _) =>
                new(name, "an access without a valid syndrome (an atomic) needed emulation (no memslot or a read-only slot): io_mem_abort cannot decode it", true),
            (AccessExitKind.Errno, Errno.EFAULT) when slot is not null && vma is null =>
                new(name, "no VMA behind the slot: the VMM was replacing its memory (munmap, then mmap)", true),
            (AccessExitKind.Errno, Errno.EFAULT) =>
                new(name, "__kvm_faultin_pfn failed: the slot's memory was unmapped or replaced while the fault ran", true),
            (AccessExitKind.SigbusHwpoison, _) =>
                new(name, "the page is hardware-poisoned (the workload's memory_failure)", true),
            (AccessExitKind.InjectIabt, _) when access.Kind == AccessKind.Exec =>
                new(name, "instruction fetch from memory stage 2 never maps executable (device memory)", true),
            (AccessExitKind.InjectExclAtomic, _) =>
                new(name, "an exclusive/atomic access to memory that cannot take it (kvm_inject_dabt_excl_atomic)", true),
            (AccessExitKind.Livelock, _) =>
                new(name, "the access kept faulting with nothing changing (a progress failure)", false),
            _ => new(name, "not classified", false),
        };
    }

    /// <summary>The cause of a failed host operation <paramref name="op"/> ending in <paramref name="result"/>.</summary>
    public static OutcomeCause Of(HostOp op, Errno result)
    {
        var what = $"{OpName(op)} {result.ToScenarioName()}";
        return (op, result) switch
        {
            (HostOp.Migrate, Errno.ENOENT) => new(what, "no page there (never touched, dropped or swapped out): nothing to migrate", true),
            (HostOp.Migrate, Errno.EFAULT) => new(what, "only the zero page there (a read of nothing) or no VMA: move_pages has nothing of its own to move", true),
            (HostOp.Migrate, Errno.EINVAL) => new(what, "device memory is never isolated for migration (vm_normal_page is NULL)", true),
            (HostOp.Migrate, Errno.EBUSY) => new(what, "a fault held a reference or pin: migrate_pages' refcount freeze failed and the mapping was restored", true),
            (HostOp.ThpSplitFolio, Errno.EINVAL) => new(what, "not a THP (a 4K page, hugetlb or the zero page): split_huge_page has nothing to split", true),
            (HostOp.ThpSplitFolio, Errno.EBUSY) => new(what, "an extra reference or pin (can_split_folio)", true),
            (HostOp.ThpCollapse, Errno.EINVAL) => new(what, "the aligned 2M range is not collapsible (not THP memory, outside the VMA, or no writable page in it)", true),
            (HostOp.ThpCollapse, Errno.EBUSY) => new(what, "a page in the range is pinned, extra-referenced or poisoned", true),
            _ => new(what, "not classified", false),
        };
    }

    private static string OpName(HostOp op) => op switch
    {
        HostOp.Munmap => "munmap",
        HostOp.Mprotect => "mprotect",
        HostOp.MadviseDontneed => "madvise-dontneed",
        HostOp.SwapOut => "swap-out",
        HostOp.Migrate => "migrate",
        HostOp.ThpSplit => "thp-split",
        HostOp.ThpSplitFolio => "thp-split-folio",
        HostOp.ThpCollapse => "thp-collapse",
        HostOp.Poison => "poison",
        HostOp.MmapFixed => "mmap-fixed",
        _ => op.ToString(),
    };
}
