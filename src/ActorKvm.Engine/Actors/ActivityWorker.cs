using ActorKvm.Engine.Actors.Messages;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Model.Locking;
using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Actors;

/// <summary>
/// The common body of the actors that run model activities (vCPUs, the MMU notifier, the memslot manager).
/// Every phase is its own message turn, so anything may happen between two phases. Two ways in:
/// <see cref="StepRequested"/> runs exactly one phase and replies (a scripted driver or a test is the gate), and
/// <see cref="RunRequested"/> runs the activity to completion on its own: a lock wait parks it until the lock
/// actor's <see cref="LockAvailable"/>, any other wait until the VM reports <see cref="ProgressMade"/>; a
/// <c>pause-at</c> phase parks it until <see cref="ResumeRequested"/>.
/// Actors stay thin: every rule is in the model.
/// </summary>
public abstract class ActivityWorker : RecordedActor
{
    private readonly Dictionary<int, IActorRef> _replyTo = [];
    // A self-driven activity's one PhaseContinued, re-sent for each of its phases (a message per phase, no allocation per phase).
    private readonly Dictionary<int, PhaseContinued> _lockWaiters = [];
    private readonly List<PhaseContinued> _progressWaiters = [];
    private readonly Dictionary<int, string> _pauseAt = [];
    private readonly Dictionary<int, PhaseContinued> _paused = [];
    private readonly string _track;

    /// <summary>Creates the worker.</summary>
    protected ActivityWorker(VmGate gate, IActorRef mmuLock, IActorRef vm)
    {
        Gate = gate;
        MmuLock = mmuLock;
        Vm = vm;
        _track = Self.Path.Name;
        if (gate.Recorder is { } recorder) RecordTurns(recorder, RecordedActors.OfVmChild(_track));
        Receive<StepRequested>(r =>
        {
            var result = RunPhase(r.Activity, next: null);
            Sender.Tell(new StepCompleted(r.Activity.Id, result));
        });
        Receive<RunRequested>(r =>
        {
            _replyTo[r.Activity.Id] = r.ReplyTo;
            if (r.PauseAt is { } at) _pauseAt[r.Activity.Id] = at;
            Self.Tell(new PhaseContinued(r.Activity));
        });
        Receive<ResumeRequested>(r =>
        {
            if (!_paused.Remove(r.Activity.Id, out var next)) throw new InvalidOperationException($"activity {r.Activity.Id} is not paused");
            if (r.PauseAt is { } at) _pauseAt[r.Activity.Id] = at;
            Self.Tell(next);
        });
        Receive<PhaseContinued>(c => RunPhase(c.Activity, next: c));
        Receive<LockAvailable>(m =>
        {
            if (_lockWaiters.Remove(m.Holder, out var next)) Self.Tell(next);
        });
        Receive<ActivitiesAbandoned>(_ =>
        {
            _replyTo.Clear();
            _lockWaiters.Clear();
            _progressWaiters.Clear();
            _pauseAt.Clear();
            _paused.Clear();
        });
        Receive<ProgressMade>(_ =>
        {
            foreach (var next in _progressWaiters) Self.Tell(next);
            _progressWaiters.Clear();
        });
    }

    /// <summary>The VM's model gate.</summary>
    protected VmGate Gate { get; }
    /// <summary>The <c>mmu_lock</c> actor.</summary>
    protected IActorRef MmuLock { get; }
    /// <summary>The VM actor.</summary>
    protected IActorRef Vm { get; }

    /// <summary>Runs one phase of <paramref name="act"/>; <paramref name="next"/> is its PhaseContinued when it drives itself, null for a <see cref="StepRequested"/>.</summary>
    private StepResult RunPhase(Activity act, PhaseContinued? next)
    {
        var (result, lockMoved, epoch) = Gate.Step(act, _track);
        if (result.Status == StepStatus.Blocked && result.Wait is { Lock: not LockMode.None } w)
        {
            if (next is not null) _lockWaiters[act.Id] = next;
            MmuLock.Tell(new LockRequested(act.Id, w.Lock));
        }
        else if (lockMoved)
        {
            MmuLock.Tell(new LockReleased(act.Id)); // the lock moved: let the next waiter know
        }
        if (next is null) return result;

        switch (result.Status)
        {
            case StepStatus.Progressed when _pauseAt.Count > 0 && _pauseAt.TryGetValue(act.Id, out var at) && at == result.Phase:
                // The first time it completes its pause-at phase (a fault that retries does not pause there again).
                _pauseAt.Remove(act.Id);
                _paused[act.Id] = next;
                if (_replyTo.TryGetValue(act.Id, out var pausedTo)) pausedTo.Tell(new ActivityPaused(act, at));
                break;
            case StepStatus.Progressed:
                Self.Tell(next);
                break;
            case StepStatus.Blocked when result.Wait is not { Lock: not LockMode.None }:
                _progressWaiters.Add(next);
                Vm.Tell(new ProgressAwaited(epoch));
                break;
            case StepStatus.Done:
                if (_replyTo.Remove(act.Id, out var replyTo)) replyTo.Tell(new ActivityFinished(act));
                Vm.Tell(ProgressMade.Instance);
                break;
        }
        return result;
    }
}
