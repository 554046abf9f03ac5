using ActorKvm.Model.Fault;
using ActorKvm.Model.Memslots;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Seeding;
using ActorKvm.Model.Vm;

namespace ActorKvm.Timing.Machine;

/// <summary>
/// What one step costs, from what the step did: its phase (the per-phase cost), the stage-2 leaves it installed, removed,
/// write-protected or relaxed (per page size), the pages it allocated (cleared through the memory system), the atomics it
/// made on mmu_lock's word (each waits for the cache line) and the broadcast TLB invalidations its removals need (each
/// occupies the interconnect). CPU-local costs run on the CPU's clock; the shared parts wait for their resource.
/// </summary>
internal sealed class StepCharges(ModelledMachine m, SplitMix64 variation)
{
    internal readonly record struct Snapshot((long I4, long I2, long I1, long Rm, long RmB, long Red, long Rel) Leaves, ulong Pages, long Word, bool Held);

    public Snapshot Before(Activity act) =>
        new(m.Observer.Snapshot(), m.Kvm.Phys.AllocatedPages, m.Kvm.MmuLock.WordUpdates, m.Kvm.MmuLock.ModeOf(act.Id) != Model.Locking.LockMode.None);

    /// <summary>
    /// Charges the step that just ran; returns when it ends and when it let waiters go (a release, else its end).
    /// <paramref name="spun"/>: the step's activity waited for mmu_lock before it (it spun on the lock word).
    /// </summary>
    public (double End, double Release) Charge(VirtualCpu cpu, Activity act, StepResult r, Snapshot b, double start, bool spun)
    {
        var c = m.Costs;
        var a = m.Observer.Snapshot();
        long installed4 = a.I4 - b.Leaves.I4, installed2 = a.I2 - b.Leaves.I2, installed1 = a.I1 - b.Leaves.I1;
        long removed = a.Rm - b.Leaves.Rm, removedBlocks = a.RmB - b.Leaves.RmB, reduced = a.Red - b.Leaves.Red, relaxed = a.Rel - b.Leaves.Rel;
        var installed = installed4 + installed2 + installed1;
        var local = PhaseCost(act, r.Phase) * Vary();
        if (act is GuestAccess)
        {
            if (r.Phase == "map")
            {
                // A fault that replaced a block by a table (dirty logging without eager split) installed the table's leaf only.
                local += installed4 * c["map-4k"] + installed2 * c["map-2m"] + installed1 * c["map-1g"];
                if (relaxed > 0) local += c["relax"];
                if (removedBlocks > 0) local += removedBlocks * c["bbm"];
            }
        }
        else if (installed > 0 && removedBlocks > 0) local += removedBlocks * c["split-block"];
        else local += removed * c["unmap-leaf"];
        local += reduced * c["wrprotect-leaf"];
        if (act is DirtyLogIoctl d && m.Kvm.Memslots.ById(d.SlotId) is { } slot) local += (slot.NPages + 63) / 64 * c["dirty-log-word"];
        cpu.LocalNs += local;

        var heldAfter = m.Kvm.MmuLock.ModeOf(act.Id) != Model.Locking.LockMode.None;
        var atomics = m.Kvm.MmuLock.WordUpdates - b.Word;
        var t = start;
        double? release = null;
        // A contended hand-over of the queued rwlock (kernel/locking/qrwlock.c): the waiter at the head of the queue spins
        // reading the word (atomic_cond_read_relaxed in queued_write_lock_slowpath / queued_read_lock_slowpath), so it
        // holds a copy of the line. The release must take the line back from it (a transfer even though the releaser
        // touched it last), and the spinner's acquire is two transfers: the re-read that sees the release, then the
        // cmpxchg that upgrades the line the releaser still shares. Uncontended, a grant is one atomic and a release a
        // local hit, as before.
        var spinner = m.Kvm.MmuLock.Queue.Count > 0;
        var acquiresAfterSpin = spun && !b.Held && atomics > 0;
        var releases = b.Held && !heldAfter;
        // Acquire (or release) first: the lock is taken before the phase's work and dropped before what follows the unlock.
        if (acquiresAfterSpin) t = Touch(cpu, t, transfer: true, atomic: false);
        if (atomics > 0) t = Touch(cpu, t, transfer: acquiresAfterSpin || (releases && atomics == 1 && spinner));
        if (atomics > 0 && releases) release = t;
        t += local;
        // Broadcast TLBI: one per leaf removed (break-before-make, unmap), one flush per write-protecting step.
        var broadcasts = removed + (reduced > 0 ? 1 : 0);
        if (broadcasts > 0)
        {
            var occupancy = c["tlbi-broadcast"] + c["tlbi-broadcast-per-cpu"] * m.Cpus.Count;
            for (var i = 0; i < broadcasts; i++) t = m.Shared.Broadcast(t, occupancy);
            m.Metrics.TlbiBroadcasts += broadcasts;
        }
        var pages = m.Kvm.Phys.AllocatedPages - b.Pages;
        if (pages > 0) t = m.Shared.Stream(t, pages * 4096.0, c["core-bandwidth"], c["machine-bandwidth"]);
        // Taken and dropped within the step (an invalidation's range-start): the drop ends the step.
        for (var i = 1; i < atomics; i++) t = Touch(cpu, t, transfer: i == atomics - 1 && spinner);
        if (atomics > 1) release = t;
        return (t, release ?? t);
    }

    private double Touch(VirtualCpu cpu, double at, bool transfer, bool atomic = true)
    {
        var c = m.Costs;
        if (atomic) m.Metrics.LockWordAtomics++;
        if (transfer || (m.Shared.LockLineOwner != cpu.Index && m.Shared.LockLineOwner >= 0)) m.Metrics.LockLineTransfers++;
        return m.Shared.TouchLockLine(cpu.Index, at, c["lock-line-bounce"], c["lock-line-local"], transfer);
    }

    /// <summary>
    /// A factor of mean 1 and coefficient of variation <c>phase-variation</c> (v): 1 − v + v × an exponential draw. A phase
    /// is a handful of cache misses and branches whose cost varies from fault to fault; without variation, vCPUs running the
    /// same path fall into lockstep and never queue for a shared line, which real ones do. The seeded draw keeps a run
    /// deterministic; with 0 nothing is drawn.
    /// </summary>
    private double Vary()
    {
        var v = m.Costs["phase-variation"];
        if (v == 0) return 1;
        var u = (variation.Next() >> 11) * (1.0 / (1UL << 53));
        return 1 - v + v * -Math.Log(1 - u);
    }

    /// <summary>The per-phase cost of a step (leaf-dependent parts are added by the caller).</summary>
    private double PhaseCost(Activity act, string? phase)
    {
        var c = m.Costs;
        switch (act)
        {
            case GuestAccess:
                return phase switch
                {
                    null => c["guest-access"],
                    "classify" => c["fault-exit"] + c["classify"],
                    "memslot-lookup" or "vma-snapshot" or "pfn-faultin" or "prot-computed" or "mmu-lock" or "retry-check" or "thp-adjust" or "complete" => c[phase],
                    _ => 0, // map: by leaves; a finished access re-executed after its fault: guest-access below
                } + (act.IsDone && phase is not null ? c["guest-access"] : 0);
            case HostOperation:
                return phase switch
                {
                    "range-start" => c["host-range-start"],
                    "range-end" => c["host-range-end"],
                    _ => c["host-change"],
                };
            case MemslotUpdate:
                return c["memslot-step"] + (phase is "slot-invalidated" or "installed" or "flags-committed" ? c["srcu-grace-period"] : 0);
            default:
                return c["memslot-step"];
        }
    }
}
