using ActorKvm.Engine.Actors;
using ActorKvm.Engine.Actors.Messages;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Workload;

/// <summary>
/// Drives the stress workload on the actor engine: the choices are a <see cref="WorkloadDriver"/>'s (closed-loop
/// random guest accesses per vCPU, host MM operations every <c>InvalidateEvery</c> finished accesses, dirty-log
/// flips and slot moves, all from one seed); this actor sends each activity to the VM actor and feeds back its
/// <see cref="ActivityFinished"/>. Uses no timers: <see cref="StopRequested"/> comes from outside. Its random
/// choices depend only on the order in which activities finish, and <c>--invalidate-rate</c>'s clock is the one
/// input that does not: a recorded run records where it fired, and a replay takes it from the recording.
/// </summary>
public sealed class WorkloadActor : RecordedActor
{
    private readonly WorkloadDriver _driver;
    private IActorRef? _notifyDone;

    /// <summary>Stop issuing work; reply <see cref="WorkloadFinished"/> when everything in flight is done.</summary>
    public sealed record StopRequested;
    /// <summary>Start the workload; the sender hears <see cref="WorkloadFinished"/>.</summary>
    public sealed record StartRequested;
    /// <summary>The workload finished.</summary>
    public sealed record WorkloadFinished(WorkloadStats Stats);

    /// <summary>
    /// Creates the workload over <paramref name="kvm"/> driven through <paramref name="vm"/>, counting into
    /// <paramref name="stats"/> if given and timing faulting accesses into <paramref name="latency"/> if given. A
    /// recorded run passes its <paramref name="recorder"/>; a replay of one passes the <paramref name="replay"/>
    /// strategy, which says when the rate's host operations fell due.
    /// </summary>
    public WorkloadActor(WorkloadOptions options, Kvm kvm, IActorRef vm, WorkloadStats? stats = null, FaultLatencyRecorder? latency = null,
        DeliveryRecorder? recorder = null, RecordedOrderStrategy? replay = null, Workers? workers = null)
    {
        var self = Self;
        RecordTurns(recorder, RecordedActors.Workload);
        // Straight to the owner when the VM shares its workers (a free-running run), else through the VM actor.
        // A vCPU's access is restarted, not new (WorkloadDriver): so is the message that asks its worker to run it.
        var runs = new RunRequested?[options.Vcpus];
        RunRequested Run(Activity a) => a is not GuestAccess g ? new(a, self) : runs[g.Vcpu.Index] is { } r && r.Activity == a ? r : runs[g.Vcpu.Index] = new(a, self);
        _driver = new WorkloadDriver(options, kvm, a => (workers?.Of(a) ?? vm).Tell(Run(a)), stats, latency);
        Receive<StartRequested>(_ =>
        {
            _notifyDone = Sender.IsNobody() ? null : Sender; // a deterministic driver reads Stats at quiescence instead
            _driver.Start();
            if (options.InvalidateRate > 0)
            {
                // Host operation 0 falls due at t = 0, so even a run stopped at once has run the rate's host side.
                _rateClock = System.Diagnostics.Stopwatch.StartNew();
                _driver.HostOpDue();
            }
            MaybeFinish();
        });
        Receive<StopRequested>(_ =>
        {
            _driver.Stop();
            MaybeFinish();
        });
        Receive<ActivityFinished>(f =>
        {
            _driver.Finished(f.Activity);
            if (_rateClock is not null && RateDue(options.InvalidateRate, recorder, replay)) _driver.HostOpDue();
            MaybeFinish();
        });
    }

    /// <summary>The counters.</summary>
    public WorkloadStats Stats => _driver.Stats;

    private System.Diagnostics.Stopwatch? _rateClock;
    private long _hostOpsDue;

    /// <summary>Props.</summary>
    public static Props Props(WorkloadOptions options, Kvm kvm, IActorRef vm, WorkloadStats? stats = null, FaultLatencyRecorder? latency = null,
        DeliveryRecorder? recorder = null, RecordedOrderStrategy? replay = null, Workers? workers = null) =>
        Akka.Actor.Props.Create(() => new WorkloadActor(options, kvm, vm, stats, latency, recorder, replay, workers));

    /// <summary>
    /// <c>--invalidate-rate</c>: host operations fall due on the wall clock, checked as work finishes (no timer: a
    /// scheduler tick is coarser than the rates asked for, and work finishing is what the rate competes with).
    /// </summary>
    private bool RateDue(double rate, DeliveryRecorder? recorder, RecordedOrderStrategy? replay)
    {
        if (replay is not null) return replay.TakeHostOpDue();
        var elapsed = _rateClock!.Elapsed.TotalSeconds;
        if (elapsed * rate < _hostOpsDue + 1) return false;
        _hostOpsDue = (long)(elapsed * rate);
        recorder?.Decision(DeliveryRecorder.HostOpDue);
        return true;
    }

    private void MaybeFinish()
    {
        if (!_driver.IsFinished || _notifyDone is null) return;
        _notifyDone.Tell(new WorkloadFinished(Stats));
        _notifyDone = null;
    }
}
