using System.Diagnostics;
using ActorKvm.Engine.Actors;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Tracing;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Oracle;
using Akka.Actor;
using Akka.Configuration;

namespace ActorKvm.Engine.Workload;

/// <summary>The outcome of a stress run.</summary>
/// <param name="Stats">Workload counters.</param>
/// <param name="Violations">Everything the oracle reported.</param>
/// <param name="Elapsed">Wall-clock time of the run.</param>
/// <param name="OutstandingFaultRefs">Page references still held by faults at the end (0 when balanced).</param>
/// <param name="Trace">The phase slices, when a trace was asked for.</param>
/// <param name="Schedule">On the deterministic dispatcher: deliveries, choices and the choice sequence.</param>
public sealed record StressResult(WorkloadStats Stats, IReadOnlyList<Violation> Violations, TimeSpan Elapsed, int OutstandingFaultRefs,
    TraceRecorder? Trace = null, ScheduleSummary? Schedule = null)
{
    /// <summary>Faults per second.</summary>
    public double FaultsPerSecond => Elapsed.TotalSeconds == 0 ? 0 : Stats.Faults / Elapsed.TotalSeconds;
}

/// <summary>What the deterministic dispatcher did in one run.</summary>
/// <param name="Deliveries">Messages delivered (actor turns).</param>
/// <param name="Choices">The choice sequence: one entry per delivery made while two or more mailboxes were runnable.</param>
/// <param name="ForeignArrivals">Messages that reached the dispatcher from outside during the run (0 for a reproducible run).</param>
public sealed record ScheduleSummary(long Deliveries, int[] Choices, long ForeignArrivals);

/// <summary>
/// Runs the built-in workload on the actor engine: free-running (real threads, so races are real; stops when
/// the fault budget is spent, the duration elapses, or it is cancelled) or on the seeded deterministic
/// dispatcher (one thread; bounded by the fault budget only, so a seed replays on any machine). Always
/// returns the counters so far.
/// </summary>
public static class StressRun
{
    /// <summary>Runs the workload on the free-running dispatcher.</summary>
    public static StressResult Run(WorkloadOptions options, TimeSpan duration, Config config, BugSet? bugs = null,
        CancellationToken cancel = default, bool trace = false)
    {
        using var system = ActorSystem.Create("actorkvm", config);
        return Run(system, "vm", "workload", options, duration, bugs, cancel, trace, latency: null);
    }

    /// <summary>
    /// As above, on an existing free-running <paramref name="system"/> (a benchmark reuses one across runs): the VM
    /// and workload actors get fresh names and are stopped afterwards. Faulting accesses are timed into
    /// <paramref name="latency"/> if given.
    /// </summary>
    public static StressResult Run(ActorSystem system, WorkloadOptions options, TimeSpan duration, BugSet? bugs = null,
        FaultLatencyRecorder? latency = null, CancellationToken cancel = default)
    {
        var n = Interlocked.Increment(ref _runs);
        return Run(system, $"vm-{n}", $"workload-{n}", options, duration, bugs, cancel, trace: false, latency, stopActors: true);
    }

    private static long _runs;

    private static StressResult Run(ActorSystem system, string vmName, string workloadName, WorkloadOptions options, TimeSpan duration,
        BugSet? bugs, CancellationToken cancel, bool trace, FaultLatencyRecorder? latency, bool stopActors = false)
    {
        var kvm = WorkloadVm.Build(options, bugs);
        var recorder = trace ? TraceRecorder.WallClock() : null;
        var vm = system.ActorOf(VmActor.Props(kvm, recorder), vmName);
        var workload = system.ActorOf(WorkloadActor.Props(options, kvm, vm, latency: latency), workloadName);
        var sw = Stopwatch.StartNew();
        var finished = workload.Ask<WorkloadActor.WorkloadFinished>(new WorkloadActor.StartRequested(), Timeout.InfiniteTimeSpan);
        try
        {
            finished.Wait(duration, cancel);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C: stop cleanly below and report what ran so far.
        }
        if (!finished.IsCompleted) workload.Tell(new WorkloadActor.StopRequested());
        var stats = finished.GetAwaiter().GetResult().Stats;
        sw.Stop();
        if (stopActors)
        {
            system.Stop(workload);
            system.Stop(vm);
        }
        lock (kvm)
        {
            kvm.Oracle.CheckAll();
            return new StressResult(stats, kvm.Oracle.Violations.ToList(), sw.Elapsed, kvm.OutstandingFaultRefs, recorder);
        }
    }

    /// <summary>
    /// Runs the workload on the deterministic dispatcher, message order chosen by <paramref name="schedule"/>
    /// (a <see cref="SeededStrategy"/> for <c>--deterministic --seed N</c>, a <see cref="ReplayStrategy"/> to
    /// replay). The same options and schedule give the same trace, byte for byte.
    /// </summary>
    public static StressResult RunDeterministic(WorkloadOptions options, ISchedulingStrategy schedule, Config config, BugSet? bugs = null,
        CancellationToken cancel = default, bool trace = false)
    {
        using var det = new DeterministicSystem(config);
        return RunDeterministic(det, options, schedule, bugs, cancel, trace);
    }

    /// <summary>As above, on an existing deterministic system (many runs share one).</summary>
    public static StressResult RunDeterministic(DeterministicSystem det, WorkloadOptions options, ISchedulingStrategy schedule, BugSet? bugs = null,
        CancellationToken cancel = default, bool trace = false)
    {
        if (options.MaxFaults == long.MaxValue) throw new ArgumentException("a deterministic run is bounded by a fault count", nameof(options));
        var kvm = WorkloadVm.Build(options, bugs);
        var executor = det.Executor;
        var origin = executor.Steps;
        var recorder = trace ? new TraceRecorder(() => executor.Steps - origin) : null;
        var stats = new WorkloadStats();
        var log = new ScheduleLog();
        var foreign = executor.ForeignArrivals;
        var sw = Stopwatch.StartNew();

        var vm = det.Spawn(VmActor.Props(kvm, recorder), "vm");
        var workload = det.Spawn(WorkloadActor.Props(options, kvm, vm, stats), "workload");
        workload.Tell(new WorkloadActor.StartRequested(), ActorRefs.NoSender);
        det.Drive(schedule, log, stop: () => cancel.IsCancellationRequested);
        if (cancel.IsCancellationRequested)
        {
            // Ctrl-C: let what is in flight finish (still on the schedule), then report.
            workload.Tell(new WorkloadActor.StopRequested(), ActorRefs.NoSender);
            det.Drive(schedule, log);
        }
        sw.Stop();
        var deliveries = executor.Steps - origin;
        kvm.Oracle.CheckAll();
        var result = new StressResult(stats, kvm.Oracle.Violations.ToList(), sw.Elapsed, kvm.OutstandingFaultRefs, recorder,
            new ScheduleSummary(deliveries, log.ToArray(), executor.ForeignArrivals - foreign));
        det.StopAndDrain(workload);
        det.StopAndDrain(vm);
        return result;
    }
}
