using ActorKvm.Engine.Workload;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Baselines;

/// <summary>What one phase did, as a baseline worker needs to know it.</summary>
/// <param name="Result">The step result.</param>
/// <param name="Epoch">The progress epoch right after the step (what a waiter waits to see change).</param>
/// <param name="ModelHeld">The <c>mmu_lock</c> mode the model says the activity holds after the step.</param>
public readonly record struct PhaseOutcome(StepResult Result, long Epoch, LockMode ModelHeld);

/// <summary>
/// The model gate of the hand-written baselines (<see cref="LockBasedEngine"/>, <see cref="ChannelsEngine"/>),
/// the counterpart of the actor engine's <c>VmGate</c>: every phase runs inside one monitor on the model
/// (<c>lock (kvm)</c>, the model is not thread-safe) followed by the oracle, and finished activities or faults
/// leaving SRCU advance a progress epoch that waiters block on (<see cref="Monitor.Wait(object)"/>) or park
/// behind. <c>kvm-&gt;mmu_lock</c> is a <see cref="ReaderWriterLockSlim"/> threads really block on: a worker
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
    private readonly List<(Activity Activity, Action<Activity> Resume)> _parked = [];
    private long _epoch;
    private int _waiting;

    /// <summary>Creates the gate of <paramref name="kvm"/>.</summary>
    public BaselineGate(Kvm kvm) => Kvm = kvm;

    /// <summary>The model (also the monitor).</summary>
    public Kvm Kvm { get; }

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

    /// <summary>Runs one phase of <paramref name="activity"/> inside the monitor, then the oracle.</summary>
    public PhaseOutcome Step(Activity activity)
    {
        List<(Activity, Action<Activity>)>? wake = null;
        PhaseOutcome outcome;
        lock (Kvm)
        {
            var r = activity.Step();
            Kvm.Oracle.Check();
            // Here the RWLS is the queue: a step that found the model lock busy does not stay queued in the model.
            if (r.Wait is { Lock: not LockMode.None }) Kvm.MmuLock.CancelWait(activity.Id);
            // Waiters wait for a finished activity or a fault leaving SRCU at its complete boundary.
            if (activity.IsDone || r.Phase == CompletePhase)
            {
                _epoch++;
                if (_waiting > 0) Monitor.PulseAll(Kvm);
                if (_parked.Count > 0)
                {
                    wake = [.. _parked];
                    _parked.Clear();
                }
            }
            outcome = new PhaseOutcome(r, _epoch, Kvm.MmuLock.ModeOf(activity.Id));
        }
        if (wake is not null) foreach (var (a, resume) in wake) resume(a);
        return outcome;
    }

    /// <summary>
    /// Runs one phase holding <see cref="MmuLock"/> as it needs: enters <paramref name="want"/> first if nothing
    /// is held; if the model still reports <c>mmu_lock</c> busy (a phase that takes it unannounced), enters the
    /// mode it asks for and runs the phase again; leaves the RWLS once the model says the activity holds nothing.
    /// <paramref name="held"/> is the mode this worker holds, across calls.
    /// </summary>
    public PhaseOutcome StepHolding(Activity activity, LockMode want, ref LockMode held)
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
                    if (o.ModelHeld != LockMode.None) throw new InvalidOperationException($"#{activity.Id} needs mmu_lock {needed} while holding {o.ModelHeld}");
                    Exit(held);
                }
                Enter(held = needed);
                continue;
            }
            if (o.ModelHeld == LockMode.None)
            {
                if (held != LockMode.None) Exit(held);
                held = LockMode.None;
            }
            else if (held != LockMode.Write && held != o.ModelHeld)
            {
                throw new InvalidOperationException($"#{activity.Id} holds mmu_lock ({o.ModelHeld}) outside the RWLS ({held})");
            }
            return o;
        }
    }

    /// <summary>
    /// Runs one phase as <see cref="StepHolding"/> does, and waits out here a wait entered holding <c>mmu_lock</c>
    /// (<see cref="Wait.MayHoldMmuLock"/>: PG_mte_lock in <c>sanitise_mte_tags</c>, which the kernel spins on with the
    /// read side held), keeping the lock: the initialiser it waits for needs no <c>mmu_lock</c>. So the result is
    /// blocked only when the activity holds nothing and the caller may wait or park it as it likes.
    /// </summary>
    public PhaseOutcome Advance(Activity activity, LockMode want, ref LockMode held)
    {
        while (true)
        {
            var o = StepHolding(activity, want, ref held);
            if (o.Result.Status != StepStatus.Blocked || held == LockMode.None) return o;
            if (o.Result.Wait is not { MayHoldMmuLock: true })
                throw new InvalidOperationException($"#{activity.Id} waits for {o.Result.Wait?.Reason} holding mmu_lock");
            WaitForProgress(o.Epoch);
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
                    WaitForProgress(o.Epoch);
                    break;
            }
        }
    }

    /// <summary>
    /// Runs a fault's locked phases, <c>kvm_fault_lock</c> to <c>complete</c> (or to the unlock of a retry), holding the
    /// read side throughout; returns the last outcome (the access is then done, or faults again from the start).
    /// </summary>
    public PhaseOutcome RunLocked(GuestAccess access)
    {
        var held = LockMode.None;
        PhaseOutcome o;
        do
        {
            o = Advance(access, LockMode.Read, ref held);
            if (o.Result.Status == StepStatus.Blocked) throw new InvalidOperationException($"#{access.Id} blocked in a locked phase: {o.Result.Wait?.Reason}");
        }
        while (held != LockMode.None && o.Result.Status == StepStatus.Progressed);
        return o;
    }

    /// <summary>Activities blocked in <see cref="WaitForProgress"/> now.</summary>
    internal int ProgressWaiters
    {
        get
        {
            lock (Kvm) return _waiting;
        }
    }

    /// <summary>Blocks until the progress epoch moves past <paramref name="seen"/>.</summary>
    public void WaitForProgress(long seen)
    {
        lock (Kvm)
        {
            _waiting++;
            while (_epoch == seen) Monitor.Wait(Kvm);
            _waiting--;
        }
    }

    /// <summary>Parks <paramref name="activity"/> until the progress epoch moves past <paramref name="seen"/>, then calls <paramref name="resume"/> (at once if it already has).</summary>
    public void Park(Activity activity, long seen, Action<Activity> resume)
    {
        lock (Kvm)
        {
            if (_epoch == seen)
            {
                _parked.Add((activity, resume));
                return;
            }
        }
        resume(activity);
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

    private static readonly string CompletePhase = PhaseNames.Fault[(int)FaultPhase.Complete];
}
