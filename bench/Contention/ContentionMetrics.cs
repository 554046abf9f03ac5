using System.Globalization;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Fault;

namespace ActorKvm.Bench.Contention;

/// <summary>
/// What the contention benchmarks record besides time: faults, retries and latency samples accumulated over
/// the operations of one benchmark case. The benchmark process writes them to a small file per case; the
/// custom columns read it in the host process.
/// </summary>
public sealed class ContentionMetrics
{
    /// <summary>Operations recorded.</summary>
    public long Operations { get; private set; }
    /// <summary>Faults over all recorded operations.</summary>
    public long Faults { get; private set; }
    /// <summary>Retried faults over all recorded operations.</summary>
    public long Retries { get; private set; }
    /// <summary>Host MM operations (invalidations and aging) over all recorded operations: the workload issues one
    /// every N finished accesses unless the previous one still runs, so how many run depends on the engine.</summary>
    public long HostOps { get; private set; }
    /// <summary>Wall time of all recorded operations, seconds (the engines' own stopwatch).</summary>
    public double Seconds { get; private set; }
    /// <summary>Fault latency p50, microseconds.</summary>
    public double P50Us { get; private set; }
    /// <summary>Fault latency p99, microseconds.</summary>
    public double P99Us { get; private set; }

    /// <summary>Faults per operation.</summary>
    public double FaultsPerOperation => Operations == 0 ? 0 : Faults / (double)Operations;
    /// <summary>Retries per fault.</summary>
    public double RetriesPerFault => Faults == 0 ? 0 : Retries / (double)Faults;
    /// <summary>Host operations per 1000 faults.</summary>
    public double HostOpsPerKiloFault => Faults == 0 ? 0 : HostOps * 1000.0 / Faults;
    /// <summary>Faults per second by the engines' own stopwatch.</summary>
    public double FaultsPerSecond => Seconds == 0 ? 0 : Faults / Seconds;

    /// <summary>Adds one operation.</summary>
    public void Add(StressResult r)
    {
        Operations++;
        Faults += r.Stats.Faults;
        Retries += r.Stats.ByResult.GetValueOrDefault(FaultResult.Retry);
        HostOps += r.Stats.HostOps;
        Seconds += r.Elapsed.TotalSeconds;
    }

    /// <summary>Takes the latency percentiles from <paramref name="latency"/>.</summary>
    public void SetLatency(FaultLatencyRecorder latency)
    {
        if (latency.Unit != "us") throw new ArgumentException("the contention benchmarks time on the wall clock", nameof(latency));
        P50Us = latency.Percentile(50);
        P99Us = latency.Percentile(99);
    }

    /// <summary>Where the metrics of a case live (shared by the benchmark process and the host).</summary>
    public static string PathFor(string method, int vcpus, InvalidationRate rate) =>
        Path.Combine(Path.GetTempPath(), "actorkvm-contention", $"{method}-{vcpus}-{rate}.txt");

    /// <summary>Writes the metrics of a case.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var c = CultureInfo.InvariantCulture;
        File.WriteAllLines(path,
        [
            $"operations={Operations}", $"faults={Faults}", $"retries={Retries}", $"hostops={HostOps}",
            string.Create(c, $"seconds={Seconds:R}"), string.Create(c, $"p50us={P50Us:R}"), string.Create(c, $"p99us={P99Us:R}"),
        ]);
    }

    /// <summary>Reads the metrics of a case, or null when the case did not record any.</summary>
    public static ContentionMetrics? Load(string path)
    {
        if (!File.Exists(path)) return null;
        try
        {
            var kv = File.ReadAllLines(path).Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
            var c = CultureInfo.InvariantCulture;
            return new ContentionMetrics
            {
                Operations = long.Parse(kv["operations"], c),
                Faults = long.Parse(kv["faults"], c),
                Retries = long.Parse(kv["retries"], c),
                HostOps = long.Parse(kv["hostops"], c),
                Seconds = double.Parse(kv["seconds"], c),
                P50Us = double.Parse(kv["p50us"], c),
                P99Us = double.Parse(kv["p99us"], c),
            };
        }
        catch (Exception e) when (e is IOException or FormatException or KeyNotFoundException)
        {
            return null;
        }
    }
}
