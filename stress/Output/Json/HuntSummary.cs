using ActorKvm.Cluster.Coordination;
using ActorKvm.Engine.Exploration;
using ActorKvm.Model.Oracle;

namespace ActorKvm.Stress.Output.Json;

/// <summary>The <c>hunt --json</c> object: one entry per hunted target, the reachability over all of them and, for a cluster hunt, the per-node figures.</summary>
internal sealed record HuntSummary(string Strategy, int Depth, ulong Seed, IReadOnlyList<HuntEntry> Hunts, ReachabilitySummary Reachability)
{
    public IReadOnlyList<ClusterNode>? Nodes { get; init; }
    public IReadOnlyList<ClusterRanges>? Ranges { get; init; }

    public static HuntSummary Of(IReadOnlyList<(string Bug, HuntResult Result)> rows, HuntOptions o)
    {
        var all = new Reachability();
        foreach (var (_, r) in rows) if (r.Reach is { } reach) all.Add(reach);
        return new(o.Strategy.ToString().ToLowerInvariant(), o.Depth, o.Seed, [.. rows.Select(x => HuntEntry.Of(x.Bug, x.Result))], ReachabilitySummary.Of(all)!);
    }

    /// <summary>With a cluster hunt's per-node and bookkeeping figures.</summary>
    public HuntSummary WithCluster(IReadOnlyList<NodeFigures> nodes, IReadOnlyList<TargetFigures> targets) => this with
    {
        Nodes = [.. nodes.Select(n => new ClusterNode(n.Node, n.Lanes, n.Schedules, n.Ranges, n.LaneSeconds, n.LaneSeconds > 0 ? n.Schedules / n.LaneSeconds : 0, n.Lost))],
        Ranges = [.. targets.Select(t => new ClusterRanges(t.Issued, t.Reissued, t.Duplicates, [.. t.ExploredRanges.Select(r => new[] { r.First, r.End })]))],
    };
}

/// <summary>One hunted target (a switch, a set of them, or none).</summary>
internal sealed record HuntEntry(string Bug, bool Found)
{
    public string? Violation { get; init; }
    public string? Detail { get; init; }
    public ulong? Seed { get; init; }
    public int? ScheduleLength { get; init; }
    public int[]? Minimized { get; init; }
    public long Schedules { get; init; }
    public double Seconds { get; init; }
    public double SecondsToFind { get; init; }
    public long FindingSchedules { get; init; }
    public CoverageSummary? Coverage { get; init; }
    public ReachabilitySummary? Reachability { get; init; }

    public static HuntEntry Of(string bug, HuntResult r) => new(bug, r.Found is not null)
    {
        Violation = r.Found?.Kind.Name(),
        Detail = r.Found?.Detail,
        Seed = r.Found is null ? null : r.Seed,
        ScheduleLength = r.Found is null ? null : r.ScheduleLength,
        Minimized = r.Found is null ? null : r.Minimized,
        Schedules = r.SchedulesTried,
        Seconds = r.Elapsed.TotalSeconds,
        SecondsToFind = r.FoundAfter.TotalSeconds,
        FindingSchedules = r.FindingSchedules,
        Coverage = CoverageSummary.Of(r.Coverage),
        Reachability = ReachabilitySummary.Of(r.Reach),
    };
}

/// <summary>A cluster node's share of the hunt.</summary>
internal sealed record ClusterNode(string Node, int Lanes, long Schedules, long Ranges, double LaneSeconds, double SchedulesPerLaneSecond, string? Lost);

/// <summary>A target's seed ranges: issued, re-issued (a node lost), duplicates, and the explored ranges as [first, end) pairs.</summary>
internal sealed record ClusterRanges(long Issued, long Reissued, long DuplicateSchedules, IReadOnlyList<long[]> Explored);
