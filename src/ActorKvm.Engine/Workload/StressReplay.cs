using ActorKvm.Engine.Actors;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Tracing;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Fault;
using Akka.Actor;
using Akka.Configuration;

namespace ActorKvm.Engine.Workload;

/// <summary>The outcome of replaying a recorded free-running run.</summary>
/// <param name="Result">The run's counters and violations (for a prefix recording: as they stood at its last delivery).</param>
/// <param name="Divergence">Where the replay left the recording (the schedule does not fit this model or these options), or null.</param>
/// <param name="TraceEvents">Phase events that belong to the replayed deliveries (the trace may hold more from winding down).</param>
public sealed record ReplayOutcome(StressResult Result, string? Divergence, int TraceEvents);

/// <summary>
/// Re-runs a free-running run recorded by <see cref="DeliveryRecorder"/> on the deterministic dispatcher, delivering
/// messages in the recorded order (<see cref="RecordedOrderStrategy"/>), so a violation seen free-running is
/// reproduced on one thread, and the same schedule prints the same trace every time.
/// </summary>
public static class StressReplay
{
    /// <summary>Deliveries allowed for winding down after a prefix recording ends mid-run.</summary>
    private const long WindDownBound = 10_000_000;

    /// <summary>Replays <paramref name="schedule"/>; <paramref name="trace"/> records phases on the delivery clock.</summary>
    /// <exception cref="ArgumentException">The schedule names an unknown bug switch.</exception>
    public static ReplayOutcome Replay(RecordedSchedule schedule, Config config, bool trace = false)
    {
        var bugs = new BugSet(schedule.Bugs);
        using var det = new DeterministicSystem(config);
        var strategy = new RecordedOrderStrategy(schedule.Entries, schedule.Prefix);
        var session = RunSession.Deterministic(det, schedule.Workload, bugs, trace, strategy, schedule.RunOn);
        var (kvm, stats, recorder, workload, executor) = (session.Kvm, session.Stats, session.Trace, session.Workload, det.Executor);
        strategy.Bind(session.Vm, workload);
        session.RestartClock(det);

        workload.Tell(new WorkloadActor.StartRequested(), ActorRefs.NoSender);
        while (true)
        {
            det.Drive(strategy, stop: () => strategy.Divergence is not null || strategy.AtExternalStop || (strategy.Prefix && strategy.Exhausted));
            if (strategy.Divergence is null && strategy.AtExternalStop)
            {
                strategy.TakeExternalStop();
                workload.Tell(new WorkloadActor.StopRequested(), ActorRefs.NoSender);
                continue;
            }
            break;
        }
        if (executor.Runnable == 0) strategy.Quiescent();

        StressResult result;
        var elapsed = TimeSpan.Zero;
        if (strategy.Prefix)
        {
            // The recording stops at the turn where the oracle first fired: the verdict is what it saw up to there (the
            // final whole-table check would judge a run stopped mid-flight). Copy the counters, then wind down.
            lock (kvm)
                result = new StressResult(Copy(stats), kvm.Oracle.Violations.ToList(), elapsed, kvm.OutstandingFaultRefs, recorder, Summary(), session.Latency)
                {
                    Findings = kvm.Oracle.Findings.ToList(),
                };
            var events = recorder?.Events.Count ?? 0;
            workload.Tell(new WorkloadActor.StopRequested(), ActorRefs.NoSender);
            det.Drive(FifoStrategy.Instance, maxSteps: WindDownBound);
            return new ReplayOutcome(result, strategy.Divergence, events);
        }
        result = session.Finish(elapsed, Summary());
        return new ReplayOutcome(result, strategy.Divergence, recorder?.Events.Count ?? 0);

        ScheduleSummary Summary() => new(strategy.Deliveries, [], executor.ForeignArrivals);
    }

    private static WorkloadStats Copy(WorkloadStats s)
    {
        var c = new WorkloadStats
        {
            Accesses = s.Accesses,
            Faults = s.Faults,
            HostOps = s.HostOps,
            MemslotOps = s.MemslotOps,
            DirtyPagesHarvested = s.DirtyPagesHarvested,
        };
        foreach (var (k, v) in s.ByResult) c.ByResult[k] = v;
        foreach (var (k, v) in s.ByExit) c.ByExit[k] = v;
        foreach (var (k, v) in s.HostOpErrors) c.HostOpErrors[k] = v;
        foreach (var (k, v) in s.ExitCauses) c.ExitCauses[k] = v;
        foreach (var (k, v) in s.HostOpErrorCauses) c.HostOpErrorCauses[k] = v;
        return c;
    }
}
