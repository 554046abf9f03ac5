using ActorKvm.Model.Seeding;
using Akka.Dispatch;

namespace ActorKvm.Engine.Scheduling;

/// <summary>Uniformly random choices from one seed (SplitMix64, so the sequence is fixed on every machine).</summary>
public sealed class SeededStrategy : ISchedulingStrategy
{
    private readonly SplitMix64 _rng;

    /// <summary>Creates the strategy for <paramref name="seed"/>.</summary>
    public SeededStrategy(ulong seed) => _rng = new SplitMix64(seed);

    /// <inheritdoc/>
    public int Choose(IReadOnlyList<IRunnable> runnable) => _rng.Below(runnable.Count);
}
