using ActorKvm.Engine.Actors.Messages;
using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Workload;

/// <summary>
/// Drives the stress workload on the actor engine: the choices are a <see cref="WorkloadDriver"/>'s (closed-loop
/// random guest accesses per vCPU, host MM operations every <c>InvalidateEvery</c> finished accesses, dirty-log
/// flips and slot moves, all from one seed); this actor sends each activity to the VM actor and feeds back its
/// <see cref="ActivityFinished"/>. Uses no timers: <see cref="StopRequested"/> comes from outside.
/// </summary>
public sealed class WorkloadActor : ReceiveActor
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
    /// <paramref name="stats"/> if given and timing faulting accesses into <paramref name="latency"/> if given.
    /// </summary>
    public WorkloadActor(WorkloadOptions options, Kvm kvm, IActorRef vm, WorkloadStats? stats = null, FaultLatencyRecorder? latency = null)
    {
        var self = Self;
        _driver = new WorkloadDriver(options, kvm, a => vm.Tell(new RunRequested(a, self)), stats, latency);
        Receive<StartRequested>(_ =>
        {
            _notifyDone = Sender.IsNobody() ? null : Sender; // a deterministic driver reads Stats at quiescence instead
            _driver.Start();
            if (options.InvalidateRate > 0)
            {
                // A clock-driven rate exists only free-running; the deterministic dispatcher rejects it (no clock there).
                var every = TimeSpan.FromSeconds(Math.Max(1 / options.InvalidateRate, 0.001));
                _rateTimer = Context.System.Scheduler.ScheduleTellRepeatedlyCancelable(every, every, self, HostOpDue.Instance, self);
            }
            MaybeFinish();
        });
        Receive<HostOpDue>(_ => _driver.HostOpDue());
        Receive<StopRequested>(_ =>
        {
            _rateTimer?.Cancel();
            _driver.Stop();
            MaybeFinish();
        });
        Receive<ActivityFinished>(f =>
        {
            _driver.Finished(f.Activity);
            MaybeFinish();
        });
    }

    /// <summary>The counters.</summary>
    public WorkloadStats Stats => _driver.Stats;

    /// <summary>The <c>--invalidate-rate</c> clock ticked.</summary>
    public sealed record HostOpDue
    {
        /// <summary>The one instance.</summary>
        public static HostOpDue Instance { get; } = new();
    }

    private ICancelable? _rateTimer;

    /// <inheritdoc/>
    protected override void PostStop() => _rateTimer?.Cancel();

    /// <summary>Props.</summary>
    public static Props Props(WorkloadOptions options, Kvm kvm, IActorRef vm, WorkloadStats? stats = null, FaultLatencyRecorder? latency = null) =>
        Akka.Actor.Props.Create(() => new WorkloadActor(options, kvm, vm, stats, latency));

    private void MaybeFinish()
    {
        if (!_driver.IsFinished || _notifyDone is null) return;
        _notifyDone.Tell(new WorkloadFinished(Stats));
        _notifyDone = null;
    }
}
