using ActorKvm.Engine.Actors;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Tracing;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Workload;

/// <summary>
/// One run of the built-in workload on the actor engine, assembled the same way for every caller — a free-running run
/// (<see cref="StressRun.Run(WorkloadOptions, TimeSpan, Akka.Configuration.Config, BugSet?, CancellationToken, bool, Action{RunProgress}?, bool, long)"/>),
/// a seeded or replayed deterministic run (<see cref="StressRun.RunDeterministic(DeterministicSystem, WorkloadOptions, ISchedulingStrategy, BugSet?, CancellationToken, bool, Action{RunProgress}?, long)"/>)
/// and the replay of a recorded one (<see cref="StressReplay"/>): the model VM with its bug switches and oracle
/// (<see cref="WorkloadVm"/>), the delivery recorder, the trace recorder, the fault-latency recorder, the workload's
/// counters, and the VM and workload actors. Only the clock differs: the wall clock when free-running, deliveries on the
/// deterministic dispatcher.
/// </summary>
public sealed class RunSession
{
    private long _origin;

    private RunSession(WorkloadOptions options, BugSet? bugs)
    {
        Options = options;
        Kvm = WorkloadVm.Build(options, bugs);
    }

    /// <summary>The workload's options.</summary>
    public WorkloadOptions Options { get; }

    /// <summary>The model VM; its oracle (<see cref="Kvm.Oracle"/>) checks every event.</summary>
    public Kvm Kvm { get; }

    /// <summary>The workload's counters.</summary>
    public WorkloadStats Stats { get; } = new();

    /// <summary>The phase slices, when a trace was asked for.</summary>
    public TraceRecorder? Trace { get; private set; }

    /// <summary>Fault latencies: wall-clock when free-running, deliveries on the deterministic dispatcher.</summary>
    public FaultLatencyRecorder Latency { get; private set; } = null!;

    /// <summary>A free-running run's recorded delivery order (<c>--record</c>), or null.</summary>
    public DeliveryRecorder? Deliveries { get; private set; }

    /// <summary>The VM actor (vCPUs, mmu_lock, notifier and memslots under it).</summary>
    public IActorRef Vm { get; private set; } = ActorRefs.Nobody;

    /// <summary>The dispatcher of a free-running session's actors, in <c>akka.hocon</c>.</summary>
    public const string FreeRunningDispatcher = "actorkvm.free-running-dispatcher";

    /// <summary>The workload actor that drives the vCPUs' accesses and the host's operations.</summary>
    public IActorRef Workload { get; private set; } = ActorRefs.Nobody;

    /// <summary>
    /// A session on <paramref name="system"/>'s free-running dispatcher (<see cref="FreeRunningDispatcher"/>), its actors named
    /// <paramref name="vmName"/> and <paramref name="workloadName"/>; with <paramref name="recordLimit"/> every delivery is
    /// recorded (up to that many).
    /// </summary>
    public static RunSession FreeRunning(ActorSystem system, string vmName, string workloadName, WorkloadOptions options, BugSet? bugs,
        bool trace, FaultLatencyRecorder? latency, long? recordLimit)
    {
        var s = new RunSession(options, bugs);
        s.Deliveries = recordLimit is { } limit ? new DeliveryRecorder(s.Kvm, limit) : null;
        s.Trace = trace ? TraceRecorder.WallClock() : null;
        s.Latency = latency ?? FaultLatencyRecorder.WallClock(options.Vcpus);
        s.Spawn((props, name) => system.ActorOf(props.WithDispatcher(FreeRunningDispatcher), name), vmName, workloadName, replay: null,
            new Workers(options.Seed), direct: s.Deliveries is null);
        return s;
    }

    /// <summary>
    /// A session on the deterministic dispatcher of <paramref name="det"/>: trace and latency count deliveries since the
    /// session was built (<see cref="RestartClock"/> moves that origin). <paramref name="replay"/> is a recorded run's order;
    /// <paramref name="runOn"/>: its workers ran on from the run's seed, as a free-running run's do.
    /// </summary>
    public static RunSession Deterministic(DeterministicSystem det, WorkloadOptions options, BugSet? bugs, bool trace, RecordedOrderStrategy? replay = null,
        bool runOn = false)
    {
        var s = new RunSession(options, bugs);
        var executor = det.Executor;
        s._origin = executor.Steps;
        s.Trace = trace ? new TraceRecorder(() => executor.Steps - s._origin) : null;
        s.Latency = new FaultLatencyRecorder(options.Vcpus, () => executor.Steps - s._origin, "deliveries");
        s.Spawn(det.Spawn, "vm", "workload", replay, runOn ? new Workers(options.Seed) : null);
        return s;
    }

    /// <summary>Deliveries count from now on (a replay's clock starts after its actors were bound to the recording).</summary>
    public void RestartClock(DeterministicSystem det) => _origin = det.Executor.Steps;

    /// <summary>Deliveries since the clock's origin.</summary>
    public long Delivered(DeterministicSystem det) => det.Executor.Steps - _origin;

    /// <summary>Spawns the VM over <paramref name="workers"/>; <paramref name="direct"/> (unrecorded) lets work go straight to its owner.</summary>
    private void Spawn(Func<Props, string, IActorRef> spawn, string vmName, string workloadName, RecordedOrderStrategy? replay, Workers? workers, bool direct = false)
    {
        Vm = spawn(VmActor.Props(Kvm, Trace, Deliveries, workers), vmName);
        Workload = spawn(WorkloadActor.Props(Options, Kvm, Vm, Stats, Latency, Deliveries, replay, direct ? workers : null), workloadName);
    }

    /// <summary>The verdict: the oracle's final check (<see cref="StressResult.AfterFinalCheck"/>) with this session's counters and recorders.</summary>
    public StressResult Finish(TimeSpan elapsed, ScheduleSummary? schedule = null) =>
        StressResult.AfterFinalCheck(Kvm, Stats, elapsed, Trace, schedule, Latency);
}
