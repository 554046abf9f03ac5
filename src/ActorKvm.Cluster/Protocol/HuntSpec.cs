using ActorKvm.Engine.Exploration;
using ActorKvm.Model.Host;

namespace ActorKvm.Cluster.Protocol;

/// <summary>
/// What a cluster hunt explores, identical on every node: the bug sets hunted in turn and the single-machine hunt's
/// options. A worker rebuilds <see cref="HuntOptions"/> from it, so schedule i has the same seed and layout everywhere.
/// </summary>
/// <param name="Targets">The bug sets hunted one after the other (<c>--all-bugs</c>: one per modelled switch).</param>
/// <param name="Strategy"><c>random</c> or <c>pct</c>.</param>
/// <param name="Depth">PCT bug depth.</param>
/// <param name="FirstSeed">Schedule i's seed is <c>FirstSeed + i</c>.</param>
/// <param name="MaxSchedules">Schedule budget per target (<see cref="long.MaxValue"/>: a wall-clock budget).</param>
/// <param name="MaxSeconds">Wall-clock budget per target in seconds (<see cref="double.PositiveInfinity"/>: a count budget).</param>
/// <param name="FaultsPerSchedule">Faults per schedule (<c>--faults</c>).</param>
/// <param name="Backings">The chosen backings (<c>--backing</c>), or null for the rotating layouts.</param>
/// <param name="Variants">The variants on (<c>--variant</c>).</param>
/// <param name="Options">The hunt's options as canonical text (name → value), compared with a worker's given ones.</param>
public sealed record HuntSpec(
    IReadOnlyList<IReadOnlyList<string>> Targets, string Strategy, int Depth, ulong FirstSeed, long MaxSchedules, double MaxSeconds,
    long FaultsPerSchedule, IReadOnlyList<string>? Backings, IReadOnlyList<string> Variants, IReadOnlyDictionary<string, string> Options) : IClusterMessage
{
    /// <summary>The single-machine hunt's options this spec stands for (schedule 0 onwards).</summary>
    public HuntOptions ToHuntOptions()
    {
        var backings = Backings?.Select(b => BackingKindExtensions.Parse(b) ?? throw new FormatException($"unknown backing '{b}'")).ToList();
        var workload = HuntOptions.RaceMix with { MaxFaults = FaultsPerSchedule, Backings = backings, Variants = new Model.Variants.VariantSet(Variants) };
        var strategy = Strategy switch
        {
            "random" => HuntStrategy.Random,
            "pct" => HuntStrategy.Pct,
            _ => throw new FormatException($"unknown strategy '{Strategy}'"),
        };
        var time = double.IsPositiveInfinity(MaxSeconds) ? TimeSpan.MaxValue : TimeSpan.FromSeconds(MaxSeconds);
        return new HuntOptions(workload, strategy, Depth, FirstSeed, MaxSchedules, time);
    }

    /// <summary>The spec of <paramref name="o"/> hunting <paramref name="targets"/>.</summary>
    public static HuntSpec From(HuntOptions o, IReadOnlyList<IReadOnlyList<string>> targets, IReadOnlyDictionary<string, string> options) =>
        new(targets, o.Strategy.ToString().ToLowerInvariant(), o.Depth, o.Seed, o.MaxSchedules,
            o.MaxTime == TimeSpan.MaxValue ? double.PositiveInfinity : o.MaxTime.TotalSeconds, o.Workload.MaxFaults,
            o.Workload.Backings?.Select(b => b.ToScenarioName()).ToList(), o.Workload.Variants.On.ToList(), options);

    /// <summary>
    /// Why a worker started with <paramref name="given"/> (its explicitly given hunt options, canonical text) may not join,
    /// or null when every one of them agrees with the hunt's.
    /// </summary>
    public string? Disagreement(IReadOnlyDictionary<string, string> given)
    {
        foreach (var (name, value) in given.OrderBy(x => x.Key, StringComparer.Ordinal))
        {
            var ours = Options.GetValueOrDefault(name) ?? "(not given)";
            if (ours != value) return $"{name} {value} on the worker, {ours} in the hunt";
        }
        return null;
    }
}
