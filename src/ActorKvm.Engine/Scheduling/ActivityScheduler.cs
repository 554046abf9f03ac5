using System.Runtime.InteropServices;
using ActorKvm.Engine.Tracing;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scheduling;

/// <summary>What the interleaving does with an activity after one of its phases (<see cref="ActivityScheduler.Step"/>).</summary>
public enum Next : byte
{
    /// <summary>It progressed: its next phase may run.</summary>
    Run,
    /// <summary>It completed its <c>pause-at</c> phase: nothing runs it until <see cref="ActivityScheduler.Resume"/>.</summary>
    Pause,
    /// <summary>It waits for <c>mmu_lock</c>: it may run when the lock's FIFO names it (<see cref="ActivityScheduler.LockWaiterToWake"/>).</summary>
    AwaitLock,
    /// <summary>
    /// It waits for another activity's progress (SRCU, an invalidation in progress, <c>mn_active_invalidate_count</c>,
    /// PG_mte_lock): it may run once <see cref="ActivityScheduler.Epoch"/> moved past the epoch it blocked at.
    /// </summary>
    AwaitProgress,
    /// <summary>It finished.</summary>
    Finished,
}

/// <summary>One phase as the scheduler saw it.</summary>
/// <param name="Result">The model's step result.</param>
/// <param name="Next">What the interleaving does next with the activity.</param>
/// <param name="Epoch">The progress epoch right after the phase (what a progress waiter waits to see move).</param>
/// <param name="LockMoved">The phase may have let a queued <c>mmu_lock</c> waiter go (it released the lock or left its queue while others wait).</param>
/// <param name="Held">The <c>mmu_lock</c> mode the activity holds after the phase.</param>
/// <param name="ProgressWaiters">Activities that wait for progress after the phase.</param>
public readonly record struct PhaseRun(StepResult Result, Next Next, long Epoch, bool LockMoved, LockMode Held, int ProgressWaiters);

/// <summary>
/// The engine's one rule for how an activity runs, waits and wakes, shared by every interleaving of a VM (the scripted
/// runner, the actors free-running or under a seeded/PCT/replay strategy, the hand-written baselines). It runs a phase
/// inside the model's monitor (the model is not thread-safe) with the oracle after it, and keeps each unfinished
/// activity's state keyed by what it waits for: <c>mmu_lock</c> in a mode (woken by the lock's FIFO), another
/// activity's progress (woken by the progress epoch: an activity finished, or a fault left SRCU at <c>complete</c>), or
/// the pause gate of a scenario's <c>pause-at</c> (woken by <see cref="Resume"/>). A deadlock is a cycle in the
/// waits-for graph (<see cref="FindCycle"/>). What it leaves to the interleaving is only the delivery: who runs the next
/// phase, and how a woken activity is told (a direct call, a message, a thread released).
/// </summary>
/// <remarks>Every member other than <see cref="Step"/>, <see cref="WaitForProgress"/> and <see cref="Park"/> is called holding <c>lock (Kvm)</c> or from the one thread that drives the VM.</remarks>
public sealed class ActivityScheduler
{
    private static readonly string CompletePhase = PhaseNames.Fault[(int)FaultPhase.Complete];
    private readonly Dictionary<int, Entry> _entries = [];
    private readonly List<(Activity Activity, Action<Activity> Resume)> _parked = [];
    private readonly bool _modelQueuesLockWaiters;
    private long _waitSeq;
    private int _blockedThreads;
    private int _progressWaiters;

    /// <summary>
    /// Creates the scheduler of <paramref name="kvm"/>; phases are traced to <paramref name="trace"/> if given, on their
    /// <see cref="Owner"/>'s track. With <paramref name="modelQueuesLockWaiters"/> false the caller's own lock is the queue
    /// (the baselines' <see cref="ReaderWriterLockSlim"/>): a step that finds <c>mmu_lock</c> busy leaves the model's queue.
    /// </summary>
    public ActivityScheduler(Kvm kvm, TraceRecorder? trace = null, bool modelQueuesLockWaiters = true)
    {
        Kvm = kvm;
        Trace = trace;
        _modelQueuesLockWaiters = modelQueuesLockWaiters;
    }

    /// <summary>The model (also the monitor every phase runs in).</summary>
    public Kvm Kvm { get; private set; }

    /// <summary>Where phase slices go (<c>--trace</c>), if anywhere.</summary>
    public TraceRecorder? Trace { get; private set; }

    /// <summary>The progress epoch: activities finished plus faults that left SRCU at <c>complete</c>.</summary>
    public long Epoch { get; private set; }

    /// <summary>Moves to a fresh model (a new run on the same workers), only at quiescence: every activity of the old one is forgotten.</summary>
    public void Attach(Kvm kvm, TraceRecorder? trace)
    {
        Kvm = kvm;
        Trace = trace;
        Epoch = 0;
        _progressWaiters = 0;
        _entries.Clear();
        _parked.Clear();
    }

    /// <summary>Runs one phase of <paramref name="act"/> inside the model's monitor, then the oracle, and says what comes next.</summary>
    public PhaseRun Step(Activity act)
    {
        DeliveryObservers.Current?.Touched(ModelAccess.Write);
        List<(Activity, Action<Activity>)>? wake = null;
        PhaseRun run;
        lock (Kvm)
        {
            var mmuLock = Kvm.MmuLock;
            var heldBefore = mmuLock.ModeOf(act.Id);
            var queuedBefore = IsQueued(mmuLock, act.Id);
            var start = Trace?.Now() ?? 0;
            var r = act.Step();
            Trace?.Record(start, Owner.Of(act).Name, act, r, Kvm);
            Kvm.Oracle.Check();
            Trace?.NoteViolations(Kvm.Oracle.Violations);
            if (!_modelQueuesLockWaiters && r.Wait is { Lock: not LockMode.None }) mmuLock.CancelWait(act.Id);
            if (act.IsDone || r.Phase == CompletePhase)
            {
                Epoch++;
                if (_blockedThreads > 0) Monitor.PulseAll(Kvm);
                if (_parked.Count > 0)
                {
                    wake = [.. _parked];
                    _parked.Clear();
                }
            }
            var held = mmuLock.ModeOf(act.Id);
            // Only this activity's own lock state changed: a waiter's eligibility moves only if it released or dequeued.
            var moved = mmuLock.Queue.Count > 0 && ((heldBefore != LockMode.None && held != heldBefore) || (queuedBefore && !IsQueued(mmuLock, act.Id)));
            run = new PhaseRun(r, Record(act, r), Epoch, moved, held, _progressWaiters);
        }
        if (wake is not null) foreach (var (a, resume) in wake) resume(a);
        return run;
    }

    /// <summary>Keeps <paramref name="act"/>'s state after a phase and decides what comes next.</summary>
    private Next Record(Activity act, StepResult r)
    {
        if (r.Status == StepStatus.Blocked)
        {
            ref var w = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, act.Id, out _);
            if (w.Wait is null) w.Seq = _waitSeq++; // still waiting keeps its place in line
            _progressWaiters += (IsProgressWait(r.Wait) ? 1 : 0) - (IsProgressWait(w.Wait) ? 1 : 0);
            w.Wait = r.Wait;
            w.Seen = Epoch;
            return r.Wait!.Lock != LockMode.None ? Next.AwaitLock : Next.AwaitProgress;
        }
        var next = r.Status == StepStatus.Done ? Next.Finished : Next.Run;
        if (_entries.Count == 0) return next;
        ref var e = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, act.Id);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref e)) return next;
        if (IsProgressWait(e.Wait)) _progressWaiters--;
        e.Wait = null;
        // The pause gate: the first time it completes its pause-at phase (a fault that retries does not pause there again).
        if (e.PauseAt is { } at && at == r.Phase && !e.PauseUsed)
        {
            e.PauseUsed = e.Paused = true;
            return next == Next.Run ? Next.Pause : next;
        }
        if (next == Next.Finished && !e.Paused) _entries.Remove(act.Id);
        return next;
    }

    /// <summary>Sets <paramref name="id"/>'s pause gate: it stops after <paramref name="phase"/> the next time it completes it.</summary>
    public void PauseAt(int id, string phase)
    {
        ref var e = ref CollectionsMarshal.GetValueRefOrAddDefault(_entries, id, out _);
        (e.PauseAt, e.PauseUsed) = (phase, false);
    }

    /// <summary>Opens <paramref name="id"/>'s pause gate (with a new <paramref name="pauseAt"/>, if given); false when it is not paused.</summary>
    public bool Resume(int id, string? pauseAt)
    {
        ref var e = ref CollectionsMarshal.GetValueRefOrNullRef(_entries, id);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref e) || !e.Paused) return false;
        e.Paused = false;
        if (pauseAt is not null) (e.PauseAt, e.PauseUsed) = (pauseAt, false);
        return true;
    }

    /// <summary>True while <paramref name="id"/> is held at its pause gate.</summary>
    public bool IsPaused(int id) => _entries.TryGetValue(id, out var e) && e.Paused;

    /// <summary>What <paramref name="id"/> waits for, or null when it may run.</summary>
    public Wait? WaitOf(int id) => _entries.TryGetValue(id, out var e) ? e.Wait : null;

    /// <summary>Its place in the line of waiters (lower waited longer), or -1 when it does not wait.</summary>
    public long WaitSeq(int id) => _entries.TryGetValue(id, out var e) && e.Wait is not null ? e.Seq : -1;

    /// <summary>
    /// Whether <paramref name="id"/> may run its next phase now: not paused, and if it waits, what it waits for moved
    /// (the lock's FIFO names it, or the progress epoch moved since it blocked).
    /// </summary>
    public bool MayRun(int id)
    {
        if (!_entries.TryGetValue(id, out var e)) return true;
        if (e.Paused) return false;
        return e.Wait switch
        {
            null => true,
            { Lock: not LockMode.None } => LockWaiterToWake() == id,
            _ => Epoch > e.Seen,
        };
    }

    /// <summary>The <c>mmu_lock</c> waiter that would take the lock now, or -1 (the FIFO of the model's queued rwlock).</summary>
    public int LockWaiterToWake() => Kvm.MmuLock.NextEligible();

    /// <summary>
    /// A cycle in the waits-for graph among <paramref name="active"/> (the interleaving's unfinished activities, in the
    /// order it reports them): from each waiting activity, follow the first activity it waits on that is active.
    /// </summary>
    public IReadOnlyList<int>? FindCycle(IReadOnlyList<int> active)
    {
        var isActive = active.ToHashSet();
        foreach (var start in active)
        {
            var seen = new List<int>();
            var cur = start;
            while (WaitOf(cur) is { } w && !IsPaused(cur) && !seen.Contains(cur))
            {
                seen.Add(cur);
                var next = w.On.FirstOrDefault(isActive.Contains, -1);
                if (next < 0) break;
                cur = next;
            }
            var at = seen.IndexOf(cur);
            if (at >= 0) return seen[at..];
        }
        return null;
    }

    /// <summary>Forgets <paramref name="id"/> (an activity the interleaving gave up on, e.g. part of a reported deadlock).</summary>
    public void Forget(int id)
    {
        if (_entries.Remove(id, out var e) && IsProgressWait(e.Wait)) _progressWaiters--;
    }

    private static bool IsProgressWait(Wait? w) => w is { Lock: LockMode.None };

    /// <summary>Blocks the calling thread until the progress epoch moves past <paramref name="seen"/>.</summary>
    public void WaitForProgress(long seen)
    {
        lock (Kvm)
        {
            _blockedThreads++;
            while (Epoch == seen) Monitor.Wait(Kvm);
            _blockedThreads--;
        }
    }

    /// <summary>Parks <paramref name="activity"/> until the progress epoch moves past <paramref name="seen"/>, then calls <paramref name="resume"/> (at once if it already has).</summary>
    public void Park(Activity activity, long seen, Action<Activity> resume)
    {
        lock (Kvm)
        {
            if (Epoch == seen)
            {
                _parked.Add((activity, resume));
                return;
            }
        }
        resume(activity);
    }

    private static bool IsQueued(MmuLock mmuLock, int holder)
    {
        var queue = mmuLock.Queue;
        for (var i = 0; i < queue.Count; i++) if (queue[i].Holder == holder) return true;
        return false;
    }

    /// <summary>An unfinished activity's scheduling state (kept only for one that waits or has a pause gate).</summary>
    private struct Entry
    {
        public Wait? Wait;
        public long Seq;
        public long Seen;
        public string? PauseAt;
        public bool PauseUsed;
        public bool Paused;
    }
}
