using ActorKvm.Engine.Workload;
using ActorKvm.Model.Fault;

namespace ActorKvm.Bench.Contention;

/// <summary>
/// <c>--quick</c>: the contention matrix's headline cell (8 vCPUs, heavy invalidation) on each engine, a few
/// Stopwatch rounds after a warm-up, and the actor/lock-based throughput ratio (issue 7 target ≥ 0.5).
/// </summary>
public static class QuickContention
{
    public static void Run(int vcpus = 8, InvalidationRate rate = InvalidationRate.Heavy, int rounds = 3)
    {
        using var system = ContentionWorkload.CreateActorSystem();
        var options = ContentionWorkload.Options(vcpus, rate);
        Console.WriteLine($"contention: {vcpus} vCPUs, {rate} invalidation, {options.MaxFaults} faults per run, seed {options.Seed}, {rounds} runs after a warm-up, {Environment.ProcessorCount} cores");
        Console.WriteLine($"{"engine",-18}{"faults/s",12}{"retries/fault",15}{"p50 latency",14}{"p99 latency",14}{"host ops/1k",13}{"alloc/fault",13}");
        var faultsPerSecond = new Dictionary<ContentionEngine, double>();
        foreach (var engine in Enum.GetValues<ContentionEngine>())
        {
            var latency = new FaultLatencyRecorder(vcpus);
            ContentionWorkload.Run(engine, options, latency, system);
            latency.Clear();
            var metrics = new ContentionMetrics();
            var allocated = GC.GetTotalAllocatedBytes(precise: true);
            for (var i = 0; i < rounds; i++) metrics.Add(ContentionWorkload.Run(engine, options, latency, system));
            allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
            metrics.SetLatency(latency);
            faultsPerSecond[engine] = metrics.FaultsPerSecond;
            Console.WriteLine($"{engine,-18}{metrics.FaultsPerSecond,12:N0}{metrics.RetriesPerFault,15:F3}{metrics.P50Us,11:F1} μs{metrics.P99Us,11:F1} μs{metrics.HostOpsPerKiloFault,13:F0}{allocated / (double)metrics.Faults,11:F0} B");
        }
        var ratio = faultsPerSecond[ContentionEngine.ActorEngine] / faultsPerSecond[ContentionEngine.LockBased];
        Console.WriteLine($"actor/lock-based throughput ratio at {vcpus} vCPUs, {rate}: {ratio:F2} (target >= 0.5)");
    }
}
