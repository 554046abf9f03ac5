using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Baselines;

/// <summary>
/// The hand-written baselines' (<see cref="LockBasedEngine"/>, <see cref="ChannelsEngine"/>) use of the VM's
/// <see cref="ActivityScheduler"/>, the same one the actors and the scenario runner use: every phase runs through it, and a
/// progress wait blocks the thread (<see cref="ActivityScheduler.WaitForProgress"/>) or parks the activity
/// (<see cref="ActivityScheduler.Park"/>). What is the baselines' own is the lock:
/// <c>kvm-&gt;mmu_lock</c> is a <see cref="ReaderWriterLockSlim"/> threads really block on: a worker
/// enters it in the mode a phase needs before stepping it, the model's own lock then never finds a conflict
/// (and its FIFO queue stays empty), and the worker leaves it once the model says the activity holds nothing.
/// </summary>
/// <remarks>
/// Deadlock freedom: the read side is held only across a fault's locked phases (<c>mmu-lock</c> to
/// <c>complete</c>), which never wait for anything; the write side only around single phases, which never wait
/// either; the monitor is never held while blocking on the RWLS. So every wait on the RWLS ends, and the
/// progress waits (SRCU, an invalidation in progress, <c>mn_active_invalidate_count</c>) are only ever entered
/// holding nothing — except PG_mte_lock, entered holding the read side (see <see cref="Advance"/>), whose holder is
/// a host-MM initialiser that takes no <c>mmu_lock</c> and runs on its own worker (<see cref="Scheduling.Owner"/>).
/// </remarks>
public sealed class BaselineGate : IDisposable
{
    /// <summary>Creates the gate of <paramref name="kvm"/>.</summary>
    public BaselineGate(Kvm kvm) => Scheduler = new ActivityScheduler(kvm, modelQueuesLockWaiters: false); // the RWLS is the queue

    /// <summary>The VM's scheduler.</summary>
    public ActivityScheduler Scheduler { get; }

    /// <summary>The model.</summary>
    public Kvm Kvm => Scheduler.Kvm;

    /// <summary><c>kvm-&gt;mmu_lock</c> as the threads see it.</summary>
    public ReaderWriterLockSlim MmuLock { get; } = new(LockRecursionPolicy.NoRecursion);

    /// <summary>
    /// The mode of <see cref="MmuLock"/> a worker enters before the next phase of <paramref name="activity"/>
    /// (<paramref name="lastPhase"/>: the phase it reached last, null before its first): a fault's
    /// <c>kvm_fault_lock</c> (a guest access's or a pre-fault ioctl's) takes the read side, the notifier's range-start and range-end and aging the write
    /// side. Anything else (memslot changes, a copy-on-write break's invalidation) takes the mode the model asks
    /// for when it reports the lock busy.
    /// </summary>
    public static LockMode Wanted(Activity activity, string? lastPhase) => activity switch
    {
        GuestAccess { Handler: { Finished: false, Next: FaultPhase.MmuLock } } => LockMode.Read,
        PreFaultMemory { Handler: { Finished: false, Next: FaultPhase.MmuLock } } => LockMode.Read, // its synthetic fault's
        HostOperation => lastPhase == PhaseNames.HostOp[(int)HostOpPhase.RangeStart] ? LockMode.None : LockMode.Write,
        AgeOperation => LockMode.Write,
        _ => LockMode.None,
    };

    /// <summary>Runs one phase of <paramref name="activity"/> through the scheduler.</summary>
    public PhaseRun Step(Activity activity) => Scheduler.Step(activity);

    /// <summary>
    /// Runs one phase holding <see cref="MmuLock"/> as it needs: enters <paramref name="want"/> first if nothing
    /// is held; if the model still reports <c>mmu_lock</c> busy (a phase that takes it unannounced), enters the
    /// mode it asks for and runs the phase again; leaves the RWLS once the model says the activity holds nothing.
    /// <paramref name="held"/> is the mode this worker holds, across calls. A wait entered holding <c>mmu_lock</c>
    /// (<see cref="Wait.MayHoldMmuLock"/>: PG_mte_lock in <c>sanitise_mte_tags</c>, which the kernel spins on with the
    /// read side held) is waited out here, keeping the lock: the initialiser it waits for needs no <c>mmu_lock</c>. So
    /// the result is blocked only when the activity holds nothing and the caller may wait or park it as it likes.
    /// </summary>
    public PhaseRun Advance(Activity activity, LockMode want, ref LockMode held)
    {
        if (want != LockMode.None && held == LockMode.None) Enter(held = want);
        while (true)
        {
            var o = Step(activity);
            if (o.Result.Wait is { Lock: not LockMode.None and var needed })
            {
                if (held == LockMode.Write || held == needed)
                    throw new InvalidOperationException($"#{activity.Id}: model mmu_lock busy under the RWLS ({held}): {o.Result.Wait.Reason}");
                if (held != LockMode.None)
                {
                    if (o.Held != LockMode.None) throw new InvalidOperationException($"#{activity.Id} needs mmu_lock {needed} while holding {o.Held}");
                    Exit(held);
                }
                Enter(held = needed);
                continue;
            }
            if (o.Held == LockMode.None)
            {
                if (held != LockMode.None) Exit(held);
                held = LockMode.None;
            }
            else if (held != LockMode.Write && held != o.Held)
            {
                throw new InvalidOperationException($"#{activity.Id} holds mmu_lock ({o.Held}) outside the RWLS ({held})");
            }
            if (o.Result.Status != StepStatus.Blocked || held == LockMode.None) return o;
            if (o.Result.Wait is not { MayHoldMmuLock: true })
                throw new InvalidOperationException($"#{activity.Id} waits for {o.Result.Wait?.Reason} holding mmu_lock");
            Scheduler.WaitForProgress(o.Epoch);
        }
    }

    /// <summary>
    /// Runs <paramref name="activity"/> to the end on the calling thread, entering <see cref="MmuLock"/> as
    /// <see cref="Wanted"/> says and blocking on the monitor while it waits for progress.
    /// </summary>
    public void RunToDone(Activity activity)
    {
        var held = LockMode.None;
        string? last = null;
        while (true)
        {
            var o = Advance(activity, Wanted(activity, last), ref held);
            switch (o.Result.Status)
            {
                case StepStatus.Done:
                    return;
                case StepStatus.Progressed:
                    last = o.Result.Phase;
                    break;
                default:
                    Scheduler.WaitForProgress(o.Epoch);
                    break;
            }
        }
    }

    /// <summary>
    /// Runs a fault's locked phases, <c>kvm_fault_lock</c> to <c>complete</c> (or to the unlock of a retry), holding the
    /// read side throughout; returns the last outcome (the access is then done, or faults again from the start).
    /// </summary>
    public PhaseRun RunLocked(GuestAccess access)
    {
        var held = LockMode.None;
        PhaseRun o;
        do
        {
            o = Advance(access, LockMode.Read, ref held);
            if (o.Result.Status == StepStatus.Blocked) throw new InvalidOperationException($"#{access.Id} blocked in a locked phase: {o.Result.Wait?.Reason}");
        }
        while (held != LockMode.None && o.Result.Status == StepStatus.Progressed);
        return o;
    }

    /// <summary>Releases the RWLS.</summary>
    public void Dispose() => MmuLock.Dispose();

    /// <summary>After the run: the final full oracle check and the result, as the actor engine reports it.</summary>
    public StressResult Result(WorkloadStats stats, TimeSpan elapsed, FaultLatencyRecorder latency) => StressResult.AfterFinalCheck(Kvm, stats, elapsed, latency: latency);

    private void Enter(LockMode mode)
    {
        if (mode == LockMode.Write) MmuLock.EnterWriteLock();
        else MmuLock.EnterReadLock();
    }

    private void Exit(LockMode mode)
    {
        if (mode == LockMode.Write) MmuLock.ExitWriteLock();
        else MmuLock.ExitReadLock();
    }
}
