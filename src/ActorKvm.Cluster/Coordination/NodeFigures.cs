namespace ActorKvm.Cluster.Coordination;

/// <summary>One node's share of a cluster hunt, as the coordinator saw it.</summary>
/// <param name="Node">The node's address.</param>
/// <param name="Lanes">Schedules it runs in parallel.</param>
/// <param name="Schedules">Schedules it explored that were counted (its duplicates are not).</param>
/// <param name="Ranges">Ranges it completed.</param>
/// <param name="LaneSeconds">Time its lanes spent in ranges, summed over lanes (shrinking excluded).</param>
/// <param name="RecentRate">Schedules per second over the last few seconds.</param>
/// <param name="Lost">Why it left the hunt early (unreachable, removed), or null.</param>
public sealed record NodeFigures(string Node, int Lanes, long Schedules, long Ranges, double LaneSeconds, double RecentRate, string? Lost);

/// <summary>What the coordinator tells the process that started the hunt (the <c>hunt --cluster</c> display and report).</summary>
public interface IHuntObserver
{
    /// <summary>About once a second: the figures so far.</summary>
    void Progress(HuntProgress progress);

    /// <summary>One line worth showing at once (a node joined, was refused, was lost; a range re-issued; a bug found).</summary>
    void Event(string line);

    /// <summary>Target <paramref name="hunt"/> is done.</summary>
    void TargetDone(int hunt, Engine.Exploration.HuntResult result, TargetFigures figures);

    /// <summary>Every target is done (or the hunt was stopped); <paramref name="nodes"/> are the per-node totals.</summary>
    void Finished(IReadOnlyList<NodeFigures> nodes);
}

/// <summary>A snapshot for the live display.</summary>
/// <param name="Hunt">The target being hunted.</param>
/// <param name="Target">Its bug set as text.</param>
/// <param name="Explored">Schedules of it explored so far.</param>
/// <param name="Outstanding">Ranges out.</param>
/// <param name="Nodes">Per-node figures.</param>
/// <param name="Found">Targets found so far.</param>
public sealed record HuntProgress(int Hunt, string Target, long Explored, int Outstanding, IReadOnlyList<NodeFigures> Nodes, IReadOnlyList<string> Found);

/// <summary>The bookkeeping figures of one target, for the report and the tests.</summary>
/// <param name="ExploredRanges">The schedules explored, as merged ranges (the whole budget, once each, when nothing was lost for good).</param>
/// <param name="Issued">Ranges handed out.</param>
/// <param name="Reissued">Ranges handed out again after their lane was lost.</param>
/// <param name="Duplicates">Schedules reported twice and counted once.</param>
/// <param name="FoundIndex">The failing schedule's index, or null.</param>
public sealed record TargetFigures(IReadOnlyList<SeedRange> ExploredRanges, long Issued, long Reissued, long Duplicates, long? FoundIndex);
