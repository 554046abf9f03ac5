namespace ActorKvm.Model.Vm;

/// <summary>What one <see cref="Activity.Step"/> did.</summary>
public enum StepStatus : byte
{
    /// <summary>A phase completed; <see cref="StepResult.Phase"/> names it. More phases follow.</summary>
    Progressed,
    /// <summary>Nothing happened: the next phase needs something another activity holds.</summary>
    Blocked,
    /// <summary>The activity finished (its last phase, if any, is named).</summary>
    Done,
}

/// <summary>What a blocked activity waits for: the key a scheduler wakes it by.</summary>
public enum WaitFor : byte
{
    /// <summary><c>kvm-&gt;mmu_lock</c> in <see cref="Wait.Lock"/>'s mode: woken when the lock moves.</summary>
    MmuLock,
    /// <summary>No invalidation in progress (<c>mmu_invalidate_in_progress</c>): woken by a range-end.</summary>
    Invalidation,
    /// <summary><c>mn_active_invalidate_count</c> at zero (<c>kvm_swap_active_memslots</c>): woken by a range-end.</summary>
    ActiveInvalidations,
    /// <summary>An SRCU grace period (<c>synchronize_srcu</c>): woken when a reader leaves.</summary>
    Srcu,
    /// <summary>
    /// PG_mte_lock released (<c>try_page_mte_tagging</c>'s <c>smp_cond_load_acquire</c>): woken when the initialiser sets
    /// PG_mte_tagged. The one wait entered holding <c>mmu_lock</c> (<c>sanitise_mte_tags</c> runs under it).
    /// </summary>
    PageMteLock,
}

/// <summary>Why an activity cannot go on, and which activities it waits for (for deadlock reports).</summary>
/// <param name="For">What it waits for.</param>
/// <param name="Reason">e.g. "mmu_lock (read)", "synchronize_srcu", "invalidation in progress".</param>
/// <param name="On">Ids of the activities it waits for.</param>
/// <param name="Lock">The <c>mmu_lock</c> mode it waits for, if that is the reason.</param>
public sealed record Wait(WaitFor For, string Reason, IReadOnlyList<int> On, Locking.LockMode Lock = Locking.LockMode.None)
{
    /// <summary>True for the waits a holder of <c>mmu_lock</c> may enter (it keeps the lock while it waits).</summary>
    public bool MayHoldMmuLock => For == WaitFor.PageMteLock;
}

/// <summary>The result of one step.</summary>
public readonly record struct StepResult(StepStatus Status, string? Phase, Wait? Wait)
{
    /// <summary>A phase completed.</summary>
    public static StepResult Progress(string phase) => new(StepStatus.Progressed, phase, null);
    /// <summary>Finished after <paramref name="phase"/>.</summary>
    public static StepResult Finished(string? phase) => new(StepStatus.Done, phase, null);
    /// <summary>Cannot go on.</summary>
    public static StepResult BlockedOn(WaitFor what, string reason, IEnumerable<int> on, Locking.LockMode lockMode = Locking.LockMode.None) =>
        new(StepStatus.Blocked, null, new Wait(what, reason, on.ToArray(), lockMode));
}

/// <summary>
/// A unit of concurrent work on a VM — a guest access, a host-MM operation, a memslot change — advanced one
/// phase at a time. Every phase boundary is an interleaving point for whoever drives it (the scripted
/// scenario runner, the seeded scheduler, or an actor). A blocked step changes nothing.
/// </summary>
public abstract class Activity
{
    /// <summary>Creates an activity with a unique id (it is also its lock-holder id).</summary>
    protected Activity(Kvm kvm, int id)
    {
        Kvm = kvm;
        Id = id;
    }

    /// <summary>The VM.</summary>
    protected Kvm Kvm { get; }
    /// <summary>Identity and lock-holder id.</summary>
    public int Id { get; }
    /// <summary>True once a step returned <see cref="StepStatus.Done"/> (set here, in one place, for every kind of activity).</summary>
    public bool IsDone { get; private set; }

    /// <summary>
    /// Runs the next phase. A step that does not end waiting for <c>mmu_lock</c> leaves the lock's FIFO queue:
    /// an activity that queued and then went another way (a pre-check that now fails, a copy-on-write another
    /// vCPU already broke) must not stay at the head and block everyone behind it.
    /// </summary>
    public StepResult Step()
    {
        Kvm.LockChecker.Begin(this);
        Kvm.Oracle.Stepping(this);
        var r = StepCore();
        Kvm.LockChecker.End(this, r);
        if (r.Status == StepStatus.Done) IsDone = true;
        if (r.Wait is not { Lock: not Locking.LockMode.None }) Kvm.MmuLock.CancelWait(Id);
        Kvm.Coverage.Observe(this, r);
        Kvm.Oracle.Stepped(this, r);
        return r;
    }

    /// <summary>The activity's own phase logic.</summary>
    protected abstract StepResult StepCore();

    /// <summary>
    /// The kernel locks the phase that ends with <paramref name="phase"/> (a <see cref="StepResult.Phase"/>; null: an
    /// activity's only or unnamed last step) may take; the <see cref="Locking.PhaseLockChecker"/> checks every phase against it.
    /// </summary>
    public abstract Locking.KernelLocks Declares(string? phase);

    /// <summary>Runs to completion, or until blocked; returns the last result.</summary>
    public StepResult RunToEnd()
    {
        while (true)
        {
            var r = Step();
            if (r.Status != StepStatus.Progressed) return r;
        }
    }
}
