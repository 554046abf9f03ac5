using System.Diagnostics;
using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Tracing;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Seeding;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Exploration.Interleavings;

/// <summary>Limits of an exhaustive exploration.</summary>
/// <param name="MaxSchedules">Most runs (complete or abandoned) to make.</param>
/// <param name="MaxTime">Wall-clock budget.</param>
/// <param name="MaxRetries">Retry bound: a schedule in which one access faults more than 1 + this many times is cut there.</param>
/// <param name="Reduce">Sleep sets on (false: every delivery order, for checking the reduction).</param>
/// <param name="Probes">Random probes that estimate the reduced space's size when the budget cuts the exploration.</param>
public sealed record ExploreOptions(long MaxSchedules, TimeSpan MaxTime, int MaxRetries = 3, bool Reduce = true, int Probes = 200)
{
    /// <summary>Bookkeeping deliveries (no model phase) run at once, oldest first, instead of being choice points.</summary>
    public bool EagerBookkeeping { get; init; } = true;
}

/// <summary>A schedule that failed: its choices, its phases and what went wrong.</summary>
/// <param name="Choices">The actor chosen at each choice point.</param>
/// <param name="Outcome">The scenario's outcome (its FAIL line).</param>
/// <param name="Violation">The oracle's first violation, or null when an expectation failed without one.</param>
/// <param name="Phases">The phases in the order they ran.</param>
/// <param name="StepOfActivity">Which step each activity performs.</param>
public sealed record ExploredFailure(
    IReadOnlyList<string> Choices, ScenarioOutcome Outcome, Model.Oracle.Violation? Violation,
    IReadOnlyList<PhaseEvent> Phases, IReadOnlyDictionary<int, int> StepOfActivity);

/// <summary>What an exploration covered.</summary>
/// <param name="Complete">Complete schedules run: each a distinct interleaving (a class of delivery orders under <see cref="Footprint.Independent"/>).</param>
/// <param name="Redundant">Runs abandoned because every runnable delivery was asleep (an equivalent order was explored).</param>
/// <param name="CutByRetryBound">Schedules cut at the retry bound (counted as explored up to there).</param>
/// <param name="Exhausted">True when the search tree was explored to its end: every distinct interleaving (within the retry bound) ran.</param>
/// <param name="DistinctPhaseOrders">Distinct orders of model phases seen (what a kernel reader tells apart).</param>
/// <param name="MaxChoicePoints">The longest schedule's choice points.</param>
/// <param name="Elapsed">Wall-clock time.</param>
/// <param name="Failure">The first failing schedule, or null.</param>
public sealed record ExploreResult(long Complete, long Redundant, long CutByRetryBound, bool Exhausted, int DistinctPhaseOrders,
    int MaxChoicePoints, TimeSpan Elapsed, ExploredFailure? Failure)
{
    /// <summary>Estimated size of the reduced space when not exhausted (Knuth's estimator over random probes), or null.</summary>
    public double? EstimatedSize { get; init; }

    /// <summary>The keys (<see cref="ScenarioExplorer.OrderKey"/>) of the distinct phase orders seen.</summary>
    public IReadOnlySet<UInt128> PhaseOrders { get; init; } = new HashSet<UInt128>();

    /// <summary>Probes behind <see cref="EstimatedSize"/>.</summary>
    public int EstimateProbes { get; init; }
}

/// <summary>
/// Explores every distinct interleaving of a scenario's concurrent steps on the deterministic dispatcher
/// (<c>actorkvm hunt SCENARIO</c>): a stateless depth-first search over the choice points of <see cref="SeededScenarioRun"/>
/// (which runnable actor gets the next delivery), pruned with sleep sets under the conservative independence of
/// <see cref="Footprint.Independent"/>. Each complete run is one class of equivalent delivery orders, run once; when the
/// tree is exhausted every class has run. Retries are bounded (<see cref="ExploreOptions.MaxRetries"/>).
/// </summary>
public static class ScenarioExplorer
{
    /// <summary>Explores <paramref name="scenario"/> until a schedule fails, the tree is exhausted or the budget is spent.</summary>
    public static ExploreResult Explore(DeterministicSystem det, ScenarioDefinition scenario, ScenarioRunOptions options, ExploreOptions o,
        CancellationToken cancel = default, Action<ExploredFailure>? onFailure = null)
    {
        var sw = Stopwatch.StartNew();
        var path = new List<ChoiceNode>();
        long complete = 0, redundant = 0, cut = 0, runs = 0;
        var orders = new HashSet<UInt128>();
        var maxDepth = 0;
        ExploredFailure? failure = null;
        var exhausted = false;
        while (runs < o.MaxSchedules && sw.Elapsed < o.MaxTime && !cancel.IsCancellationRequested)
        {
            var strategy = new ExplorationStrategy(path, o.Reduce, o.EagerBookkeeping);
            var (outcome, run, cutHere) = RunOnce(det, scenario, options, strategy, o.MaxRetries);
            runs++;
            maxDepth = Math.Max(maxDepth, strategy.Depth);
            if (strategy.Diverged) throw new InvalidOperationException($"scenario {scenario.Name}: a replayed choice was not runnable (the run is not deterministic)");
            if (strategy.Redundant) redundant++;
            else
            {
                if (cutHere) cut++;
                complete++;
                orders.Add(OrderKey(PhaseOrder(outcome.Trace ?? [])));
                if (!cutHere && !outcome.Passed && failure is null)
                {
                    failure = new ExploredFailure(path.Select(n => n.Chosen).ToList(), outcome, run.OracleViolations.FirstOrDefault(),
                        outcome.Trace ?? [], run.StepOfActivity);
                    onFailure?.Invoke(failure);
                    break;
                }
            }
            if (!Backtrack(path))
            {
                exhausted = true;
                break;
            }
        }
        var result = new ExploreResult(complete, redundant, cut, exhausted, orders.Count, maxDepth, sw.Elapsed, failure) { PhaseOrders = orders };
        if (exhausted || failure is not null || o.Probes <= 0 || cancel.IsCancellationRequested) return result;
        var estimate = EstimateSize(det, scenario, options, o);
        return result with { EstimatedSize = Math.Max(estimate, complete), EstimateProbes = o.Probes, Elapsed = sw.Elapsed };
    }

    /// <summary>
    /// Knuth's estimator of the number of leaves of the explored tree: the mean, over random root-to-leaf probes, of the
    /// product of the branching factors met. Unbiased for the tree the search walks (choice points among model phases;
    /// the sleep sets prune nothing further there, every two phases being dependent), with the same retry bound.
    /// </summary>
    public static double EstimateSize(DeterministicSystem det, ScenarioDefinition scenario, ScenarioRunOptions options, ExploreOptions o)
    {
        var rng = new SplitMix64(0x5eed);
        double sum = 0;
        for (var i = 0; i < o.Probes; i++)
        {
            var strategy = new ExplorationStrategy([], o.Reduce, o.EagerBookkeeping, rng);
            RunOnce(det, scenario, options, strategy, o.MaxRetries);
            sum += strategy.Product;
        }
        return sum / o.Probes;
    }

    /// <summary>
    /// One run along <paramref name="strategy"/>'s path. Returns the outcome, the run (for its violations and step map)
    /// and whether it was cut at the retry bound.
    /// </summary>
    private static (ScenarioOutcome Outcome, SeededScenarioRun Run, bool Cut) RunOnce(DeterministicSystem det, ScenarioDefinition scenario,
        ScenarioRunOptions options, ExplorationStrategy strategy, int maxRetries)
    {
        var faults = new Dictionary<int, int>();
        var seen = 0;
        var cut = false;
        SeededScenarioRun? run = null;
        bool Abandon()
        {
            if (strategy.Redundant) return true;
            var events = run!.Trace!.Events;
            for (; seen < events.Count; seen++)
            {
                var e = events[seen];
                if (e.Phase != Classify) continue;
                faults[e.Activity] = faults.GetValueOrDefault(e.Activity) + 1;
                if (faults[e.Activity] > 1 + maxRetries) cut = true;
            }
            return cut;
        }
        run = new SeededScenarioRun(scenario, options) { Abandon = Abandon };
        var previous = DeliveryObservers.Current;
        DeliveryObservers.Current = strategy;
        ScenarioOutcome outcome;
        try
        {
            outcome = run.Run(det, strategy);
        }
        finally
        {
            DeliveryObservers.Current = previous;
        }
        strategy.EndDelivery();
        return (outcome, run, cut);
    }

    private static readonly string Classify = FaultPhase.Classify.Name();

    /// <summary>Marks the deepest branch done and moves to the next untried one; false when none is left (exhausted).</summary>
    private static bool Backtrack(List<ChoiceNode> path)
    {
        for (var d = path.Count - 1; d >= 0; d--)
        {
            var n = path[d];
            n.Explored[n.Chosen] = n.ChosenFootprint ?? throw new InvalidOperationException("a chosen delivery never ran");
            path.RemoveRange(d + 1, path.Count - d - 1);
            if (n.NextBranch() is { } next)
            {
                n.Chosen = next;
                n.ChosenFootprint = null;
                return true;
            }
            path.RemoveAt(d);
        }
        return false;
    }

    /// <summary>The order of model phases of a run (<c>activity:phase;...</c>; blocked attempts left out: they change nothing).</summary>
    public static string PhaseOrder(IReadOnlyList<PhaseEvent> events) =>
        string.Join(';', events.Where(e => e.Status != StepStatus.Blocked).Select(e => $"{e.Activity}:{e.Phase}"));

    /// <summary>A 128-bit key of a phase order (SHA-256's first half), so that millions of orders fit in memory.</summary>
    public static UInt128 OrderKey(string order)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(order));
        return new UInt128(BitConverter.ToUInt64(hash, 0), BitConverter.ToUInt64(hash, 8));
    }
}
