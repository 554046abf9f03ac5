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
/// <param name="Latency">Fault latencies (a faulting access from issue to finish, retries included), in <see cref="FaultLatencyRecorder.Unit"/>.</param>
/// <param name="PagesReadBack">Guest- or host-written pages the final check read back for lost writes.</param>
public sealed record StressResult(WorkloadStats Stats, IReadOnlyList<Violation> Violations, TimeSpan Elapsed, int OutstandingFaultRefs,
    TraceRecorder? Trace = null, ScheduleSummary? Schedule = null, FaultLatencyRecorder? Latency = null, int PagesReadBack = 0)
{
    /// <summary>A recorded free-running run's delivery order (<c>--record</c>), or null.</summary>
    public DeliveryRecorder? Recording { get; init; }

    /// <summary>Invariant breaks that upstream code makes (<see cref="UpstreamFindings"/>): reported, never a failure.</summary>
    public IReadOnlyList<Violation> Findings { get; init; } = [];

    /// <summary>On the deterministic dispatcher: the delivery (since the run's start) after which the first violation was seen, or null.</summary>
    public long? FirstViolationAt { get; init; }

    /// <summary>Times a caller queued for <c>mmu_lock</c>: read side, write side.</summary>
    public (long Read, long Write) LockWaits { get; init; }

    /// <summary>Failed retry checks: an invalidation in progress, the sequence moved.</summary>
    public (long InProgress, long SequenceMoved) RetryChecks { get; init; }

    /// <summary>The run's memory (CLI runs), or null.</summary>
    public RunMemory? Memory { get; init; }

    /// <summary>
    /// The end of every run, whichever engine ran it: the oracle's full check over <paramref name="kvm"/> (inside its
    /// gate) — every stage-2 leaf against the host, every written page read back for a lost write — then the verdict
    /// with the counters (<see cref="OutstandingFaultRefs"/> is the leaked-reference check).
    /// </summary>
    public static StressResult AfterFinalCheck(Model.Vm.Kvm kvm, WorkloadStats stats, TimeSpan elapsed,
        TraceRecorder? trace = null, ScheduleSummary? schedule = null, FaultLatencyRecorder? latency = null)
    {
        lock (kvm)
        {
            kvm.Oracle.CheckAtRest();
            var pages = kvm.Oracle.CheckContent();
            return new StressResult(stats, kvm.Oracle.Violations.ToList(), elapsed, kvm.OutstandingFaultRefs, trace, schedule, latency, pages)
            {
                Findings = kvm.Oracle.Findings.ToList(),
                LockWaits = (kvm.MmuLock.ReadWaits, kvm.MmuLock.WriteWaits),
                RetryChecks = (kvm.RetryCauses.InProgress, kvm.RetryCauses.SequenceMoved),
            };
        }
    }

    /// <summary>Faults per second.</summary>
    public double FaultsPerSecond => Elapsed.TotalSeconds == 0 ? 0 : Stats.Faults / Elapsed.TotalSeconds;
}

/// <summary>What the deterministic dispatcher did in one run.</summary>
/// <param name="Deliveries">Messages delivered (actor turns).</param>
/// <param name="Choices">The choice sequence: one entry per delivery made while two or more mailboxes were runnable.</param>
/// <param name="ForeignArrivals">Messages that reached the dispatcher from outside during the run (0 for a reproducible run).</param>
/// <param name="Truncated">The delivery bound stopped the run before quiescence (its end state is not a verdict).</param>
public sealed record ScheduleSummary(long Deliveries, int[] Choices, long ForeignArrivals, bool Truncated = false);

/// <summary>
/// Runs the built-in workload on the actor engine: free-running (wall clock, actors interleaving at every phase; stops when
/// the fault budget is spent, the duration elapses, or it is cancelled) or on the seeded deterministic
/// dispatcher (one thread; bounded by the fault budget only, so a seed replays on any machine). Always
/// returns the counters so far.
/// </summary>
public static class StressRun
{
    /// <summary>How often <c>progress</c> callbacks come.</summary>
    public static TimeSpan ProgressInterval { get; } = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Runs the workload on the free-running dispatcher; <paramref name="progress"/> hears the counters every
    /// <see cref="ProgressInterval"/>. With <paramref name="record"/> every delivery is recorded (up to
    /// <paramref name="recordLimit"/> entries) so that a violation can be replayed (<see cref="StressReplay"/>). The
    /// result carries the run's memory figures.
    /// </summary>
    public static StressResult Run(WorkloadOptions options, TimeSpan duration, Config config, BugSet? bugs = null,
        CancellationToken cancel = default, bool trace = false, Action<RunProgress>? progress = null, bool record = false,
        long recordLimit = DeliveryRecorder.DefaultLimit)
    {
        using var system = ActorSystem.Create("actorkvm", config);
        return Run(system, "vm", "workload", options, duration, bugs, cancel, trace, latency: null, progress: progress,
            record: record, recordLimit: recordLimit, measureMemory: true);
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
        BugSet? bugs, CancellationToken cancel, bool trace, FaultLatencyRecorder? latency, bool stopActors = false, Action<RunProgress>? progress = null,
        bool record = false, long recordLimit = DeliveryRecorder.DefaultLimit, bool measureMemory = false)
    {
        var memoryAtStart = measureMemory ? RunMemory.Sample() : default;
        var sw = Stopwatch.StartNew();
        var session = RunSession.FreeRunning(system, vmName, workloadName, options, bugs, trace, latency, record ? recordLimit : null);
        var (kvm, stats, deliveries, workload) = (session.Kvm, session.Stats, session.Deliveries, session.Workload);
        var finished = workload.Ask<WorkloadActor.WorkloadFinished>(new WorkloadActor.StartRequested(), Timeout.InfiniteTimeSpan);
        try
        {
            while (duration - sw.Elapsed is var left && left > TimeSpan.Zero
                   && !finished.Wait(left < ProgressInterval ? left : ProgressInterval, cancel))
                progress?.Invoke(Snapshot(kvm, stats, sw.Elapsed));
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C: stop cleanly below and report what ran so far.
        }
        if (!finished.IsCompleted)
        {
            if (deliveries is null) workload.Tell(new WorkloadActor.StopRequested());
            else
                lock (deliveries.Lock)
                {
                    // The stop comes from this thread, not an actor: recorded where it enters the workload's mailbox.
                    deliveries.Decision(DeliveryRecorder.ExternalStop);
                    workload.Tell(new WorkloadActor.StopRequested());
                }
        }
        finished.GetAwaiter().GetResult();
        sw.Stop();
        if (deliveries is not null)
            lock (deliveries.Lock) deliveries.Close();
        if (stopActors)
        {
            system.Stop(workload);
            system.Stop(session.Vm);
        }
        return session.Finish(sw.Elapsed) with
        {
            Recording = deliveries,
            Memory = measureMemory ? RunMemory.Since(memoryAtStart) : null,
        };
    }

    /// <summary>The counters now. Workload counters are read racily (display only); model state under the gate.</summary>
    private static RunProgress Snapshot(Model.Vm.Kvm kvm, WorkloadStats stats, TimeSpan elapsed)
    {
        int inFlight, violations;
        lock (kvm)
        {
            inFlight = kvm.Notifier.MmuInvalidateInProgress;
            violations = kvm.Oracle.Violations.Count;
        }
        return new RunProgress(elapsed, stats.Faults, stats.ByResult.GetValueOrDefault(Model.Fault.FaultResult.Retry), inFlight, stats.HostOps, stats.DirtyPagesHarvested, violations);
    }

    /// <summary>
    /// Runs the workload on the deterministic dispatcher, message order chosen by <paramref name="schedule"/>
    /// (a <see cref="SeededStrategy"/> for <c>--deterministic --seed N</c>, a <see cref="ReplayStrategy"/> to
    /// replay). The same options and schedule give the same trace, byte for byte.
    /// </summary>
    public static StressResult RunDeterministic(WorkloadOptions options, ISchedulingStrategy schedule, Config config, BugSet? bugs = null,
        CancellationToken cancel = default, bool trace = false, Action<RunProgress>? progress = null)
    {
        using var det = new DeterministicSystem(config);
        var memoryAtStart = RunMemory.Sample();
        var result = RunDeterministic(det, options, schedule, bugs, cancel, trace, progress);
        return result with { Memory = RunMemory.Since(memoryAtStart) };
    }

    /// <summary>As above, on an existing deterministic system (many runs share one).</summary>
    public static StressResult RunDeterministic(DeterministicSystem det, WorkloadOptions options, ISchedulingStrategy schedule, BugSet? bugs = null,
        CancellationToken cancel = default, bool trace = false, Action<RunProgress>? progress = null, long maxDeliveries = long.MaxValue)
    {
        var session = RunSession.Deterministic(det, options, bugs, trace);
        var (kvm, stats, workload) = (session.Kvm, session.Stats, session.Workload);
        var executor = det.Executor;
        var log = new ScheduleLog();
        var foreign = executor.ForeignArrivals;
        var sw = Stopwatch.StartNew();
        workload.Tell(new WorkloadActor.StartRequested(), ActorRefs.NoSender);
        var nextReport = ProgressInterval;
        long? firstViolationAt = null;
        bool Stop()
        {
            if (firstViolationAt is null && kvm.Oracle.Violations.Count > 0) firstViolationAt = session.Delivered(det);
            // The clock is read only every 4096 deliveries: progress must not cost the driver its speed.
            if (progress is not null && (executor.Steps & 4095) == 0 && sw.Elapsed >= nextReport)
            {
                nextReport = sw.Elapsed + ProgressInterval;
                progress(Snapshot(kvm, stats, sw.Elapsed));
            }
            return cancel.IsCancellationRequested;
        }
        det.Drive(schedule, log, maxDeliveries, stop: Stop);
        var truncated = det.Executor.Runnable > 0 && !cancel.IsCancellationRequested;
        if (cancel.IsCancellationRequested)
        {
            // Ctrl-C: let what is in flight finish (still on the schedule), then report.
            workload.Tell(new WorkloadActor.StopRequested(), ActorRefs.NoSender);
            det.Drive(schedule, log);
        }
        sw.Stop();
        var result = session.Finish(sw.Elapsed, new ScheduleSummary(session.Delivered(det), log.ToArray(), executor.ForeignArrivals - foreign, truncated)) with
        { FirstViolationAt = firstViolationAt };
        det.StopAndDrain(workload);
        det.StopAndDrain(session.Vm);
        return result;
    }
}
