using System.Diagnostics;
using ActorKvm.Engine.Actors;
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
public sealed record StressResult(WorkloadStats Stats, IReadOnlyList<Violation> Violations, TimeSpan Elapsed, int OutstandingFaultRefs)
{
    /// <summary>Faults per second.</summary>
    public double FaultsPerSecond => Elapsed.TotalSeconds == 0 ? 0 : Stats.Faults / Elapsed.TotalSeconds;
}

/// <summary>
/// Runs the built-in workload on the free-running actor engine: real threads, so races are real. Stops when
/// the access budget is spent, the duration elapses, or it is cancelled, and always returns the counters so far.
/// </summary>
public static class StressRun
{
    /// <summary>Runs the workload.</summary>
    public static StressResult Run(WorkloadOptions options, TimeSpan duration, Config config, BugSet? bugs = null, CancellationToken cancel = default)
    {
        var kvm = WorkloadVm.Build(options, bugs);
        using var system = ActorSystem.Create("actorkvm", config);
        var vm = system.ActorOf(VmActor.Props(kvm), "vm");
        var workload = system.ActorOf(WorkloadActor.Props(options, kvm, vm), "workload");
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
        lock (kvm)
        {
            kvm.Oracle.CheckAll();
            return new StressResult(stats, kvm.Oracle.Violations.ToList(), sw.Elapsed, kvm.OutstandingFaultRefs);
        }
    }
}
