using ActorKvm.Engine;
using ActorKvm.Engine.Baselines;
using ActorKvm.Engine.Workload;
using Akka.Actor;

namespace ActorKvm.Bench.Contention;

/// <summary>
/// One operation of the contention matrix: a fresh VM, the same seeded workload and the same fault budget on
/// any engine. Dirty logging and slot moves are off so the invalidation rate is the only host pressure.
/// </summary>
public static class ContentionWorkload
{
    /// <summary>Faults per operation (every engine does the same fault work).</summary>
    public const long FaultBudget = 20_000;

    /// <summary>The workload seed.</summary>
    public const ulong Seed = 20261124;

    /// <summary>A guard against a stuck run; a normal operation takes well under a second.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromMinutes(2);

    /// <summary>The options of one cell.</summary>
    public static WorkloadOptions Options(int vcpus, InvalidationRate rate, long faults = FaultBudget) => new(
        Vcpus: vcpus,
        // Sparse and large enough that first-touch faults never run out before the budget, even with no invalidation.
        Memory: 4UL << 30,
        // One host operation per 16 (Moderate) or 2 (Heavy) handled faults.
        InvalidateEvery: rate switch { InvalidationRate.None => 0, InvalidationRate.Moderate => 16, _ => 2 },
        DirtyLog: false,
        MemslotChurn: false,
        Seed: Seed,
        MaxFaults: faults,
        // Equal work: every engine runs exactly faults / InvalidateEvery host operations, queued, never skipped.
        QueueHostOps: true);

    /// <summary>Runs one operation on <paramref name="engine"/> (<paramref name="system"/>: the actor engine's reused actor system).</summary>
    public static StressResult Run(ContentionEngine engine, WorkloadOptions options, FaultLatencyRecorder latency, ActorSystem? system)
    {
        var result = engine switch
        {
            ContentionEngine.ActorEngine => StressRun.Run(system ?? throw new ArgumentNullException(nameof(system)), options, Limit, latency: latency),
            ContentionEngine.LockBased => LockBasedEngine.Run(options, Limit, latency: latency),
            _ => ChannelsEngine.Run(options, Limit, latency: latency),
        };
        var hostOps = options.InvalidateEvery == 0 ? 0 : options.MaxFaults / options.InvalidateEvery;
        if (result.Violations.Count > 0 || result.OutstandingFaultRefs != 0 || result.Stats.Faults < options.MaxFaults || result.Stats.HostOps != hostOps)
            throw new InvalidOperationException($"{engine}: {result.Violations.Count} violations, {result.OutstandingFaultRefs} outstanding refs, {result.Stats.Faults} faults, {result.Stats.HostOps} of {hostOps} host operations");
        return result;
    }

    /// <summary>
    /// A free-running actor system for the actor engine (reused across operations: creating one costs more than a run),
    /// with the HOCON file named by <see cref="ConfigVariable"/> layered over <c>akka.hocon</c> if set (as <c>actorkvm
    /// --config</c>): how the README's dispatcher comparison runs other dispatchers on the same binary.
    /// </summary>
    public static ActorSystem CreateActorSystem() => ActorSystem.Create("contention", EngineConfig.Load(Environment.GetEnvironmentVariable(ConfigVariable)));

    /// <summary>The environment variable naming a HOCON overlay for <see cref="CreateActorSystem"/>.</summary>
    public const string ConfigVariable = "ACTORKVM_BENCH_CONFIG";

    /// <summary>The one-line error if <see cref="ConfigVariable"/> names a file that cannot be used, else null.</summary>
    public static string? ConfigError()
    {
        if (Environment.GetEnvironmentVariable(ConfigVariable) is not { } path) return null;
        try
        {
            EngineConfig.Load(path);
            return null;
        }
        catch (FormatException e)
        {
            return $"bench: error: {ConfigVariable}: {e.Message}";
        }
    }
}
