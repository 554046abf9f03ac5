using ActorKvm.Engine.Actors.Messages;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Model.Seeding;
using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Actors;

/// <summary>
/// The actor that runs the activities of one <see cref="Owner"/> (a vCPU, the host MM / MMU notifier, the VM-ioctl
/// memslot thread). Every phase is its own message turn, so anything may happen between two phases; what a phase leads
/// to is the VM's <see cref="ActivityScheduler"/>'s verdict, this actor only turns it into messages. Two ways in:
/// <see cref="StepRequested"/> runs exactly one phase and replies (a scripted driver or a test is the gate), and
/// <see cref="RunRequested"/> runs the activity to completion on its own: a lock wait parks it until the lock
/// actor's <see cref="LockAvailable"/>, any other wait until the VM reports <see cref="ProgressMade"/>; its pause gate
/// parks it until <see cref="ResumeRequested"/>.
/// </summary>
public sealed class ActivityWorker : RecordedActor
{
    private readonly Dictionary<int, IActorRef> _replyTo = [];
    // A self-driven activity's one PhaseContinued, re-sent for each of its phases (a message per phase, no allocation per phase).
    private readonly Dictionary<int, PhaseContinued> _lockWaiters = [];
    private readonly List<PhaseContinued> _progressWaiters = [];
    private PhaseContinued? _continued; // a vCPU's access is restarted, not new (WorkloadDriver): its messages are reused too
    private ActivityFinished? _finished;
    private readonly ActivityScheduler _scheduler;
    private readonly IActorRef _mmuLock;
    private readonly IActorRef _vm;
    private readonly SplitMix64? _runOn; // its run-on choices (Workers.RunOn), or null: one phase per turn

    /// <summary>Creates the worker of the VM actor's child named by its owner (<paramref name="runOn"/>: see <see cref="Workers"/>).</summary>
    public ActivityWorker(ActivityScheduler scheduler, DeliveryRecorder? recorder, IActorRef mmuLock, IActorRef vm, SplitMix64? runOn)
    {
        (_scheduler, _mmuLock, _vm, _runOn) = (scheduler, mmuLock, vm, runOn);
        if (recorder is not null) RecordTurns(recorder, RecordedActors.OfVmChild(Self.Path.Name));
        Receive<StepRequested>(r => Sender.Tell(new StepCompleted(r.Activity.Id, RunPhase(r.Activity, next: null).Result)));
        Receive<RunRequested>(r =>
        {
            _replyTo[r.Activity.Id] = r.ReplyTo;
            if (r.PauseAt is { } at) lock (scheduler.Kvm) scheduler.PauseAt(r.Activity.Id, at);
            var next = _continued?.Activity == r.Activity ? _continued : _continued = new PhaseContinued(r.Activity);
            // Running on, the first phase comes in this turn on a seeded coin, else in a turn of its own like any other.
            if (_runOn?.Below(2) == 0) Drive(next);
            else Self.Tell(next);
        });
        Receive<ResumeRequested>(r =>
        {
            bool resumed;
            lock (scheduler.Kvm) resumed = scheduler.Resume(r.Activity.Id, r.PauseAt);
            if (!resumed) throw new InvalidOperationException($"activity {r.Activity.Id} is not paused");
            Self.Tell(new PhaseContinued(r.Activity));
        });
        Receive<PhaseContinued>(Drive);
        Receive<LockAvailable>(m =>
        {
            if (_lockWaiters.Remove(m.Holder, out var next)) Self.Tell(next);
        });
        Receive<ActivitiesAbandoned>(_ =>
        {
            _replyTo.Clear();
            _lockWaiters.Clear();
            _progressWaiters.Clear();
        });
        Receive<ProgressMade>(_ =>
        {
            foreach (var next in _progressWaiters) Self.Tell(next);
            _progressWaiters.Clear();
        });
    }

    /// <summary>Props for the worker of <paramref name="scheduler"/>'s VM.</summary>
    public static Props Props(ActivityScheduler scheduler, DeliveryRecorder? recorder, IActorRef mmuLock, IActorRef vm, SplitMix64? runOn) =>
        Akka.Actor.Props.Create(() => new ActivityWorker(scheduler, recorder, mmuLock, vm, runOn));

    /// <summary>
    /// Runs the next phase of a self-driven activity, one phase per turn; running on, an activity that progressed runs on
    /// into its next phase in the same turn at odds of 1 in <see cref="Workers.RunOnOdds"/>.
    /// </summary>
    private void Drive(PhaseContinued next)
    {
        while (RunPhase(next.Activity, next).Next == Next.Run)
            if (_runOn?.Below(Workers.RunOnOdds) != 0)
            {
                Self.Tell(next);
                return;
            }
    }

    /// <summary>Runs one phase of <paramref name="act"/>; <paramref name="next"/> is its PhaseContinued when it drives itself, null for a <see cref="StepRequested"/>.</summary>
    private PhaseRun RunPhase(Activity act, PhaseContinued? next)
    {
        var run = _scheduler.Step(act);
        if (run.Next == Next.AwaitLock)
        {
            if (next is not null) _lockWaiters[act.Id] = next;
            _mmuLock.Tell(new LockRequested(act.Id, run.Result.Wait!.Lock));
        }
        else if (run.LockMoved)
        {
            _mmuLock.Tell(new LockReleased(act.Id)); // the lock moved: let the next waiter know
        }
        if (next is null) return run;

        switch (run.Next)
        {
            case Next.Pause:
                if (_replyTo.TryGetValue(act.Id, out var pausedTo)) pausedTo.Tell(new ActivityPaused(act, run.Result.Phase!));
                break;
            case Next.AwaitProgress:
                _progressWaiters.Add(next);
                _vm.Tell(new ProgressAwaited(run.Epoch));
                break;
            case Next.Finished:
                if (_replyTo.Remove(act.Id, out var replyTo)) replyTo.Tell(_finished?.Activity == act ? _finished : _finished = new ActivityFinished(act));
                // Running on, nobody to wake is nothing to say (a waiter that blocks later saw this epoch).
                if (_runOn is null || run.ProgressWaiters > 0) _vm.Tell(ProgressMade.Instance);
                break;
        }
        return run;
    }
}
