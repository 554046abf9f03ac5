using ActorKvm.Engine.Workload;
using Akka.Actor;
using BenchmarkDotNet.Attributes;

namespace ActorKvm.Bench.Contention;

/// <summary>
/// The contention matrix (issue 7): the actor engine against a lock-based baseline and a Channels pipeline, over
/// vCPUs × invalidation rate. One operation is one whole run of <see cref="ContentionWorkload"/>: a fresh VM, the
/// same seed, the same fault budget. Besides time and allocations it reports faults/s, retries per fault and
/// fault latency p50/p99 (<see cref="ContentionColumn"/>). Class, method, parameter and value names are a
/// contract: results compare across runs by them.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ContentionConfig))]
public class ContentionBenchmarks
{
    private ActorSystem? _system;
    private FaultLatencyRecorder? _latency;
    private ContentionMetrics? _metrics;
    private WorkloadOptions _options = null!;
    private string _path = "";

    /// <summary>vCPUs.</summary>
    [Params(1, 2, 8, 64)]
    public int Vcpus { get; set; }

    /// <summary>Host invalidation pressure.</summary>
    [Params(InvalidationRate.None, InvalidationRate.Moderate, InvalidationRate.Heavy)]
    public InvalidationRate InvalidationRate { get; set; }

    [GlobalSetup(Target = nameof(ActorEngine))]
    public void SetupActorEngine()
    {
        _system = ContentionWorkload.CreateActorSystem();
        Setup(ContentionEngine.ActorEngine);
    }

    [GlobalSetup(Target = nameof(LockBased))]
    public void SetupLockBased() => Setup(ContentionEngine.LockBased);

    [GlobalSetup(Target = nameof(ChannelsPipeline))]
    public void SetupChannelsPipeline() => Setup(ContentionEngine.ChannelsPipeline);

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_metrics is not null && _latency is not null)
        {
            _metrics.SetLatency(_latency);
            _metrics.Save(_path);
        }
        _system?.Dispose();
        _system = null;
    }

    /// <summary>The free-running actor engine.</summary>
    [Benchmark]
    public long ActorEngine() => Operation(ContentionEngine.ActorEngine);

    /// <summary>One thread per vCPU over the same model, <c>mmu_lock</c> as a ReaderWriterLockSlim.</summary>
    [Benchmark]
    public long LockBased() => Operation(ContentionEngine.LockBased);

    /// <summary>Fault phases as System.Threading.Channels stages.</summary>
    [Benchmark]
    public long ChannelsPipeline() => Operation(ContentionEngine.ChannelsPipeline);

    private void Setup(ContentionEngine engine)
    {
        _path = ContentionMetrics.PathFor(engine.ToString(), Vcpus, InvalidationRate);
        if (File.Exists(_path)) File.Delete(_path); // a failed case must not show an older run's figures
        _options = ContentionWorkload.Options(Vcpus, InvalidationRate);
        _latency = FaultLatencyRecorder.WallClock(Vcpus);
        // One untimed run warms the JIT, the thread pool and the actor system; only later runs are recorded.
        ContentionWorkload.Run(engine, _options, _latency, _system);
        _latency.Clear();
        _metrics = new ContentionMetrics();
    }

    private long Operation(ContentionEngine engine)
    {
        var r = ContentionWorkload.Run(engine, _options, _latency!, _system);
        _metrics!.Add(r);
        return r.Stats.Faults;
    }
}
