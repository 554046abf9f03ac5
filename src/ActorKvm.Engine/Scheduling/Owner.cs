using ActorKvm.Engine.Actors;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Nested;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scheduling;

/// <summary>The kinds of worker that run activities: one per vCPU, the host MM, the VMM's VM-ioctl thread.</summary>
public enum OwnerKind : byte
{
    /// <summary>A vCPU thread: guest accesses, vCPU ioctls, nested entry and exit.</summary>
    Vcpu,
    /// <summary>The host MM (the MMU notifier's callers): host operations, aging, mmap, the VMM's own accesses, a second MTE mapping.</summary>
    MmuNotifier,
    /// <summary>The VMM thread issuing VM ioctls under <c>slots_lock</c>: memslot changes, the dirty log.</summary>
    Memslots,
}

/// <summary>
/// Which worker runs an activity — the one table every engine asks (the actor engine routes to and traces on the
/// child of that name; the baselines run it on that thread or stage), so the engines cannot disagree. The owner is the
/// context the kernel runs the code in: <c>kvm_handle_guest_abort</c>, <c>KVM_PRE_FAULT_MEMORY</c> and a nested
/// entry/exit (<c>hw_mmu</c> is per vCPU) on the vCPU; memslot and dirty-log ioctls on the VM ioctl thread; whatever
/// changes the host's page tables (an <c>mmap</c>, a second mapping's <c>set_pte_at</c> → <c>mte_sync_tags</c>, the
/// notifier's invalidations, aging) on the host MM.
/// </summary>
/// <param name="Kind">The worker kind.</param>
/// <param name="Vcpu">The vCPU index when <paramref name="Kind"/> is <see cref="OwnerKind.Vcpu"/>, else -1.</param>
public readonly record struct Owner(OwnerKind Kind, int Vcpu)
{
    /// <summary>The owner of <paramref name="activity"/>.</summary>
    public static Owner Of(Activity activity) => activity switch
    {
        GuestAccess g => OfVcpu(g.Vcpu.Index),
        PreFaultMemory p => OfVcpu(p.Vcpu.Index),
        NestedTransition n => OfVcpu(n.Vcpu.Index),
        MemslotUpdate or DirtyLogIoctl => VmIoctl,
        HostOperation or AgeOperation or HostMmap or HostAccess or HostFreePageTables or MteSyncTags => HostMm,
        _ => throw new ArgumentException($"no owner for activity kind {activity.GetType().Name}", nameof(activity)),
    };

    /// <summary>The host MM (the MMU notifier's callers).</summary>
    public static Owner HostMm => new(OwnerKind.MmuNotifier, -1);

    /// <summary>The VMM's VM-ioctl thread (memslots, dirty log).</summary>
    public static Owner VmIoctl => new(OwnerKind.Memslots, -1);

    /// <summary>vCPU <paramref name="index"/>.</summary>
    public static Owner OfVcpu(int index) => new(OwnerKind.Vcpu, index);

    /// <summary>The worker's name: the VM actor's child of that name, a baseline's thread, a trace's track.</summary>
    public string Name => Kind switch
    {
        OwnerKind.Vcpu => VmChildren.Vcpu(Vcpu),
        OwnerKind.Memslots => VmChildren.Memslots,
        _ => VmChildren.MmuNotifier,
    };
}
