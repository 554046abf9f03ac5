using ActorKvm.Engine.Workload;

namespace ActorKvm.Bench.Contention;

/// <summary>
/// <c>--quick</c>: the contention matrix's headline cell (8 vCPUs, heavy invalidation) on each engine and the
/// actor/lock-based throughput ratio (issue 7 target ≥ 0.5). After each engine's warm-up (<see cref="WarmUp"/>), the engines take
/// turns run by run (so a load change on a shared machine hits them alike) and each reports its median run.
/// </summary>
public static class QuickContention
{
    public static void Run(int vcpus = 8, InvalidationRate rate = InvalidationRate.Heavy, int rounds = 5)
    {
        using var system = ContentionWorkload.CreateActorSystem();
        var options = ContentionWorkload.Options(vcpus, rate);
        var engines = Enum.GetValues<ContentionEngine>();
        Console.WriteLine($"contention: {vcpus} vCPUs, {rate} invalidation, {options.MaxFaults} faults per run, seed {options.Seed}, " +
            $"median of {rounds} interleaved runs after each engine's warm-up, {Environment.ProcessorCount} cores");
        var latency = engines.ToDictionary(e => e, _ => FaultLatencyRecorder.WallClock(vcpus));
        var metrics = engines.ToDictionary(e => e, _ => new ContentionMetrics());
        var perRun = engines.ToDictionary(e => e, _ => new List<double>());
        var allocated = engines.ToDictionary(e => e, _ => 0L);
        var cpu = engines.ToDictionary(e => e, _ => TimeSpan.Zero);
        var gen0 = engines.ToDictionary(e => e, _ => 0L);
        var gen2 = engines.ToDictionary(e => e, _ => 0L);
        var paused = engines.ToDictionary(e => e, _ => TimeSpan.Zero);
        var elapsed = engines.ToDictionary(e => e, _ => TimeSpan.Zero);
        var warmUp = engines.ToDictionary(e => e, e => WarmUp(e, options, latency[e], system));
        Console.WriteLine("warm-up runs, faults/s: " + string.Join("; ", engines.Select(e =>
            $"{e} {string.Join(" ", warmUp[e].Select(f => f.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))}")));
        for (var i = 0; i < rounds; i++)
        {
            foreach (var e in engines)
            {
                var cpuBefore = Environment.CpuUsage.TotalTime;
                var before = GC.GetTotalAllocatedBytes(precise: true);
                var collections = GC.CollectionCount(0);
                var (full, pause) = (GC.CollectionCount(2), GC.GetTotalPauseDuration());
                var r = ContentionWorkload.Run(e, options, latency[e], system);
                allocated[e] += GC.GetTotalAllocatedBytes(precise: true) - before;
                cpu[e] += Environment.CpuUsage.TotalTime - cpuBefore;
                gen0[e] += GC.CollectionCount(0) - collections;
                gen2[e] += GC.CollectionCount(2) - full;
                paused[e] += GC.GetTotalPauseDuration() - pause;
                elapsed[e] += r.Elapsed;
                metrics[e].Add(r);
                perRun[e].Add(r.FaultsPerSecond);
            }
        }
        Console.WriteLine($"{"engine",-18}{"faults/s",12}{"min-max",20}{"retries/fault",15}{"p50 latency",14}{"p99 latency",14}{"host ops/1k",13}{"alloc/fault",13}{"GCs/1k",8}{"gen2/1k",9}{"GC pause",10}{"CPU/fault",11}");
        var median = new Dictionary<ContentionEngine, double>();
        foreach (var e in engines)
        {
            var m = metrics[e];
            m.SetLatency(latency[e]);
            var runs = perRun[e].Order().ToList();
            median[e] = runs[runs.Count / 2];
            Console.WriteLine($"{e,-18}{median[e],12:N0}{$"{runs[0]:N0}-{runs[^1]:N0}",20}{m.RetriesPerFault,15:F3}{m.P50Us,11:F1} μs{m.P99Us,11:F1} μs" +
                $"{m.HostOpsPerKiloFault,13:F0}{allocated[e] / (double)m.Faults,11:F0} B{gen0[e] * 1000.0 / m.Faults,8:F2}{gen2[e] * 1000.0 / m.Faults,9:F2}{paused[e] / elapsed[e],10:P1}{cpu[e].TotalMicroseconds / m.Faults,8:F1} μs");
        }
        var ratio = median[ContentionEngine.ActorEngine] / median[ContentionEngine.LockBased];
        Console.WriteLine($"actor/lock-based throughput ratio at {vcpus} vCPUs, {rate}: {ratio:F2} (target >= 0.5)");
    }

    /// <summary>The warm-up's least time per engine: two early runs can agree while the JIT is still at tier 0.</summary>
    public static readonly TimeSpan WarmUpMin = TimeSpan.FromSeconds(1);

    /// <summary>The warm-up's cap per engine: on a loaded machine two runs may never agree.</summary>
    public static readonly TimeSpan WarmUpCap = TimeSpan.FromSeconds(4);

    /// <summary>
    /// Runs <paramref name="engine"/> for at least <see cref="WarmUpMin"/> and until two consecutive runs agree within
    /// 10 % (at most <see cref="WarmUpCap"/>) and returns their faults/s. A cold process pays tiered JIT (tier 0, instrumented,
    /// tier 1, OSR) and GC heap growth in its first runs: the actor engine's came in at 29, 58, 99, 127 k faults/s
    /// before settling, so one warm-up run measured the start-up, not the engine.
    /// </summary>
    public static List<double> WarmUp(ContentionEngine engine, WorkloadOptions options, FaultLatencyRecorder latency, Akka.Actor.ActorSystem system)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var runs = new List<double>();
        do runs.Add(ContentionWorkload.Run(engine, options, latency, system).FaultsPerSecond);
        while (clock.Elapsed < WarmUpCap && (clock.Elapsed < WarmUpMin || runs.Count < 2 || Math.Abs(runs[^1] - runs[^2]) > 0.1 * Math.Max(runs[^1], runs[^2])));
        latency.Clear();
        return runs;
    }

    /// <summary>
    /// <c>--quick-contention VCPUS RATE --profile</c>: the actor engine alone, <paramref name="rounds"/> runs after a
    /// warm-up, with where its cost per fault goes: bytes allocated per fault split by type (allocation ticks, a
    /// statistical profile) and messages received per fault by type.
    /// </summary>
    public static void Profile(int vcpus, InvalidationRate rate, int rounds = 3)
    {
        using var system = ContentionWorkload.CreateActorSystem();
        var options = ContentionWorkload.Options(vcpus, rate);
        var latency = FaultLatencyRecorder.WallClock(vcpus);
        ContentionWorkload.Run(ContentionEngine.ActorEngine, options, latency, system);
        using var ticks = new PureFaultPath.AllocationTicks();
        var received = new System.Collections.Concurrent.ConcurrentDictionary<Type, long>();
        long faults = 0, bytes = 0;
        var perRun = new List<double>();
        Engine.Actors.RecordedActor.Received = received;
        ticks.Recording = true;
        for (var i = 0; i < rounds; i++)
        {
            var before = GC.GetTotalAllocatedBytes(precise: true);
            var r = ContentionWorkload.Run(ContentionEngine.ActorEngine, options, latency, system);
            bytes += GC.GetTotalAllocatedBytes(precise: true) - before;
            faults += r.Stats.Faults;
            perRun.Add(r.FaultsPerSecond);
        }
        ticks.Recording = false;
        Engine.Actors.RecordedActor.Received = null;
        var messages = received.Values.Sum();
        Console.WriteLine($"actor engine profile: {vcpus} vCPUs, {rate} invalidation, {rounds} runs of {options.MaxFaults} faults (counting on: slower than --quick-contention); " +
            $"faults/s {string.Join(" ", perRun.Select(f => f.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)))}");
        Console.WriteLine($"{bytes / (double)faults:F0} B and {messages / (double)faults:F2} messages per fault");
        Console.WriteLine("messages per fault, by type:");
        foreach (var (type, n) in received.OrderByDescending(kv => kv.Value))
            Console.WriteLine($"  {n / (double)faults,8:F2}  {type.Name}");
        var byType = ticks.ByType();
        var total = (double)Math.Max(1, byType.Sum(t => t.Ticks));
        Console.WriteLine("bytes per fault, by type (share of allocation ticks):");
        foreach (var (type, n) in byType.Take(20))
            Console.WriteLine($"  {n / total * bytes / faults,8:F0} B  {n / total,6:P1}  {type}");
    }

    /// <summary>
    /// <c>--contention-loop</c>: one engine's cell run back to back for <paramref name="duration"/> after a warm-up run,
    /// so a CPU profiler attached to the process sees that engine alone; prints each run's faults/s with the garbage
    /// collections and GC pause time it saw (the final check's included: it runs outside the timed part).
    /// </summary>
    public static void Loop(ContentionEngine engine, int vcpus, InvalidationRate rate, TimeSpan duration)
    {
        using var system = ContentionWorkload.CreateActorSystem();
        var options = ContentionWorkload.Options(vcpus, rate);
        var latency = FaultLatencyRecorder.WallClock(vcpus);
        ContentionWorkload.Run(engine, options, latency, system);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var perRun = new List<double>();
        while (clock.Elapsed < duration)
        {
            latency.Clear();
            var (g0, g1, g2, pause) = (GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2), GC.GetTotalPauseDuration());
            perRun.Add(ContentionWorkload.Run(engine, options, latency, system).FaultsPerSecond);
            Console.WriteLine($"run {perRun.Count}: {perRun[^1]:N0} faults/s, GCs gen0/1/2 {GC.CollectionCount(0) - g0}/{GC.CollectionCount(1) - g1}/{GC.CollectionCount(2) - g2}, " +
                $"paused {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F1} ms");
        }
        var sorted = perRun.Order().ToList();
        Console.WriteLine($"{engine}: {vcpus} vCPUs, {rate} invalidation, {perRun.Count} runs of {options.MaxFaults} faults in {clock.Elapsed.TotalSeconds:F1} s, " +
            $"median {sorted[sorted.Count / 2]:N0} faults/s (min {sorted[0]:N0}, max {sorted[^1]:N0})");
    }
}
