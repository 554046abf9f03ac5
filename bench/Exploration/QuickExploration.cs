using System.Diagnostics;
using ActorKvm.Engine;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;

namespace ActorKvm.Bench.Exploration;

/// <summary>The Stopwatch version of <see cref="ExplorationBenchmarks"/>: schedules/s of the 2-vCPU race on the deterministic dispatcher.</summary>
public static class QuickExploration
{
    public static void Run(int schedules = 20_000)
    {
        using var det = new DeterministicSystem(EngineConfig.Load());
        for (var i = 0; i < 2_000; i++) RaceWorkload.Run(det, new SeededStrategy((ulong)i)); // warm-up
        var log = new ScheduleLog();
        var distinct = new HashSet<string>();
        long deliveries = 0, choices = 0, faults = 0, violations = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < schedules; i++)
        {
            var o = RaceWorkload.Run(det, new SeededStrategy((ulong)i + 1_000_000), log: log);
            deliveries += o.Deliveries;
            choices += o.Choices.Length;
            faults += o.Faults.Count;
            violations += o.Violations.Count;
            if (i < 2_000) distinct.Add(string.Join(',', o.Faults));
        }
        sw.Stop();
        var perSchedule = (GC.GetAllocatedBytesForCurrentThread() - before) / (double)schedules;
        Console.WriteLine($"deterministic 2-vCPU race: {schedules} schedules in {sw.Elapsed.TotalMilliseconds:F0} ms = {schedules / sw.Elapsed.TotalSeconds:F0} schedules/s; " +
                          $"{deliveries / (double)schedules:F1} deliveries and {choices / (double)schedules:F1} choices per schedule, {deliveries / (double)faults:F1} messages per fault, " +
                          $"{perSchedule / 1024:F1} KiB allocated per schedule, {distinct.Count} distinct fault-result sequences, violations {violations}");
    }
}
