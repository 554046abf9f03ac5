namespace ActorKvm.Cluster.Coordination;

/// <summary>Schedule indices [<paramref name="First"/>, <paramref name="End"/>) of one hunt target.</summary>
public readonly record struct SeedRange(long First, long End)
{
    /// <summary>Schedules in the range.</summary>
    public long Count => End - First;

    /// <inheritdoc/>
    public override string ToString() => $"[{First}, {End})";
}

/// <summary>Disjoint, merged schedule ranges: the schedules explored so far, each counted once.</summary>
public sealed class RangeSet
{
    private readonly List<SeedRange> _ranges = []; // sorted, disjoint, not touching

    /// <summary>Schedules in the set.</summary>
    public long Count { get; private set; }

    /// <summary>The ranges, lowest first.</summary>
    public IReadOnlyList<SeedRange> Ranges => _ranges;

    /// <summary>Adds <paramref name="r"/>; returns how many of its schedules were not in the set yet.</summary>
    public long Add(SeedRange r)
    {
        if (r.Count <= 0) return 0;
        var added = r.Count - Overlap(r);
        var first = r.First;
        var end = r.End;
        var i = 0;
        while (i < _ranges.Count && _ranges[i].End < first) i++;
        while (i < _ranges.Count && _ranges[i].First <= end)
        {
            first = Math.Min(first, _ranges[i].First);
            end = Math.Max(end, _ranges[i].End);
            _ranges.RemoveAt(i);
        }
        _ranges.Insert(i, new SeedRange(first, end));
        Count += added;
        return added;
    }

    /// <summary>Schedules of <paramref name="r"/> already in the set.</summary>
    public long Overlap(SeedRange r) =>
        _ranges.Sum(x => Math.Max(0, Math.Min(x.End, r.End) - Math.Max(x.First, r.First)));

    /// <summary>The parts of <paramref name="r"/> not in the set, lowest first.</summary>
    public IEnumerable<SeedRange> Missing(SeedRange r)
    {
        var at = r.First;
        foreach (var x in _ranges)
        {
            if (x.End <= at) continue;
            if (x.First >= r.End) break;
            if (x.First > at) yield return new SeedRange(at, x.First);
            at = Math.Max(at, x.End);
        }
        if (at < r.End) yield return new SeedRange(at, r.End);
    }
}
