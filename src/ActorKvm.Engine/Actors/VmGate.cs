using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Tracing;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Actors;

/// <summary>
/// The VM's model gate shared by its actors: phases run one at a time inside it (the model is not thread-safe),
/// and it counts finished activities so a waiter can tell whether progress happened since it blocked.
/// </summary>
public sealed class VmGate
{
    /// <summary>Creates the gate of <paramref name="kvm"/>.</summary>
    public VmGate(Kvm kvm, TraceRecorder? trace = null, DeliveryRecorder? recorder = null)
    {
        Kvm = kvm;
        Trace = trace;
        Recorder = recorder;
    }

    /// <summary>Where the VM's actors record their turns (a recorded free-running run), if anywhere.</summary>
    public DeliveryRecorder? Recorder { get; }

    /// <summary>The model.</summary>
    public Kvm Kvm { get; private set; }

    /// <summary>Where phase slices go (<c>--trace</c>), if anywhere.</summary>
    public TraceRecorder? Trace { get; private set; }

    /// <summary>
    /// Points the gate at a fresh model (a new run on the same actors). Only at quiescence: no phase may be running
    /// and no activity of the old model may still be in flight.
    /// </summary>
    public void Attach(Kvm kvm, TraceRecorder? trace)
    {
        Kvm = kvm;
        Trace = trace;
        ProgressEpoch = 0;
    }

    /// <summary>Finished activities so far (read and written inside the gate).</summary>
    public long ProgressEpoch { get; private set; }

    /// <summary>
    /// Runs one phase of <paramref name="act"/> for actor <paramref name="track"/> inside the gate, then the oracle.
    /// <c>LockMoved</c> is true when the phase may have let a queued <c>mmu_lock</c> waiter go: the activity released
    /// the lock, or left the lock's queue (took the lock, or went another way), while others still wait.
    /// </summary>
    public (StepResult Result, bool LockMoved, long Epoch) Step(Activity act, string track)
    {
        DeliveryObservers.Current?.Touched(ModelAccess.Write);
        lock (Kvm)
        {
            var mmuLock = Kvm.MmuLock;
            var heldBefore = mmuLock.ModeOf(act.Id);
            var queuedBefore = IsQueued(mmuLock, act.Id);
            var start = Trace?.Now() ?? 0;
            var r = act.Step();
            Trace?.Record(start, track, act, r);
            Kvm.Oracle.Check();
            // Waiters wait for a finished activity or a fault leaving SRCU at its complete boundary.
            if (act.IsDone || r.Phase == "complete") ProgressEpoch++;
            // Only this activity's own lock state changed: a waiter's eligibility moves only if it released or dequeued.
            var moved = mmuLock.Queue.Count > 0
                && ((heldBefore != LockMode.None && mmuLock.ModeOf(act.Id) != heldBefore) || (queuedBefore && !IsQueued(mmuLock, act.Id)));
            return (r, moved, ProgressEpoch);
        }
    }

    private static bool IsQueued(MmuLock mmuLock, int holder)
    {
        var queue = mmuLock.Queue;
        for (var i = 0; i < queue.Count; i++) if (queue[i].Holder == holder) return true;
        return false;
    }

    /// <summary>The current epoch.</summary>
    public long Epoch
    {
        get
        {
            DeliveryObservers.Current?.Touched(ModelAccess.Read);
            lock (Kvm) return ProgressEpoch;
        }
    }
}
