using ActorKvm.Model.Seeding;
using Akka.Dispatch;

namespace ActorKvm.Engine.Scheduling;

/// <summary>
/// Probabilistic concurrency testing (Burckhardt et al., ASPLOS 2010): every actor gets a random priority when
/// its mailbox is first seen, the highest-priority runnable actor always runs, and at <c>depth − 1</c> random
/// choice points the running actor drops below every other. A bug that needs <c>depth</c> ordering constraints
/// is found by one schedule with probability at least 1/(n·k^(depth−1)) for n actors and k choice points.
/// </summary>
public sealed class PctStrategy : ISchedulingStrategy
{
    private readonly SplitMix64 _rng;
    private readonly Dictionary<IRunnable, int> _priority = new(ReferenceEqualityComparer.Instance);
    private readonly long[] _changePoints;
    private int _lowest;
    private long _choice;

    /// <summary>Creates the strategy: <paramref name="depth"/> ≥ 1, change points spread over the first <paramref name="expectedChoices"/> choices.</summary>
    public PctStrategy(ulong seed, int depth, long expectedChoices)
    {
        if (depth < 1) throw new ArgumentOutOfRangeException(nameof(depth), "PCT depth is at least 1");
        _rng = new SplitMix64(seed);
        _changePoints = new long[depth - 1];
        for (var i = 0; i < _changePoints.Length; i++) _changePoints[i] = (long)_rng.Below((ulong)Math.Max(1, expectedChoices));
    }

    /// <inheritdoc/>
    public int Choose(IReadOnlyList<IRunnable> runnable)
    {
        var best = Highest(runnable);
        // At a change point the actor about to run drops below everyone, and the next highest runs instead.
        foreach (var point in _changePoints)
            if (point == _choice)
            {
                _priority[runnable[best]] = --_lowest;
                best = Highest(runnable);
            }
        _choice++;
        return best;
    }

    private int Highest(IReadOnlyList<IRunnable> runnable)
    {
        var best = 0;
        var bestPriority = int.MinValue;
        for (var i = 0; i < runnable.Count; i++)
        {
            var p = PriorityOf(runnable[i]);
            if (p > bestPriority) (best, bestPriority) = (i, p);
        }
        return best;
    }

    private int PriorityOf(IRunnable mailbox)
    {
        if (!_priority.TryGetValue(mailbox, out var p))
        {
            // Initial priorities are above every lowered one (which count down from 0).
            p = 1 + (int)_rng.Below(1UL << 30);
            _priority[mailbox] = p;
        }
        return p;
    }
}
