using ActorKvm.Engine;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using BenchmarkDotNet.Attributes;

namespace ActorKvm.Bench.Exploration;

/// <summary>Deterministic exploration: one operation is one whole schedule of the 2-vCPU race (a fresh VM, its actors, driven to quiescence, stopped).</summary>
[MemoryDiagnoser]
public class ExplorationBenchmarks
{
    private DeterministicSystem _det = null!;
    private ulong _seed;

    [GlobalSetup]
    public void Setup() => _det = new DeterministicSystem(EngineConfig.Load());

    [GlobalCleanup]
    public void Cleanup() => _det.Dispose();

    [Benchmark]
    public int RaceSchedule() => RaceWorkload.Run(_det, new SeededStrategy(++_seed)).Choices.Length; // the VM actors are reused across operations
}
