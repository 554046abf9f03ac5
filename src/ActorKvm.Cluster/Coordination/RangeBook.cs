namespace ActorKvm.Cluster.Coordination;

/// <summary>
/// The coordinator's bookkeeping for one hunt target: which seed ranges are out with which lane, which came back
/// from lanes that were lost and wait to be issued again, and which schedules were explored — each counted once
/// however often a lost lane's range comes back late. Lowest first: re-issued ranges go out before fresh ones, and
/// a found violation limits the hunt to the schedules below it, so the cluster reports the lowest failing schedule —
/// the one the single-machine hunt stops at. Pure: no actors, no clock.
/// </summary>
public sealed class RangeBook(long budget)
{
    private readonly Dictionary<string, List<SeedRange>> _outstanding = new(StringComparer.Ordinal); // lane -> ranges
    private readonly List<SeedRange> _reissue = []; // lost ranges, lowest first
    private long _next;
    private long _limit = budget;

    /// <summary>The schedules explored, each once.</summary>
    public RangeSet Explored { get; } = new();

    /// <summary>Schedules reported more than once (a lane thought lost that finished after all), counted once.</summary>
    public long Duplicates { get; private set; }

    /// <summary>Ranges handed out again after their lane was lost.</summary>
    public long Reissued { get; private set; }

    /// <summary>Ranges handed out.</summary>
    public long Issued { get; private set; }

    /// <summary>Schedules at or past this index are not issued (the budget, a found violation, a spent clock).</summary>
    public long Limit => _limit;

    /// <summary>The first index never issued.</summary>
    public long Next => _next;

    /// <summary>Ranges out, by lane.</summary>
    public IReadOnlyDictionary<string, List<SeedRange>> Outstanding => _outstanding;

    /// <summary>True when nothing is out and nothing below the limit remains to be explored: the target is done.</summary>
    public bool Settled => _outstanding.Count == 0 && _next >= _limit && !PendingReissue().Any();

    /// <summary>Hands <paramref name="lane"/> up to <paramref name="wanted"/> schedules, lowest first; null when there is nothing to hand out now.</summary>
    public SeedRange? Issue(string lane, long wanted)
    {
        wanted = Math.Max(1, wanted);
        SeedRange? range = null;
        if (PendingReissue().FirstOrDefault() is { Count: > 0 } lost)
        {
            range = new SeedRange(lost.First, lost.First + Math.Min(wanted, lost.Count));
            Reissued++;
            RemoveFromReissue(range.Value);
        }
        else if (_next < _limit)
        {
            range = new SeedRange(_next, _next + Math.Min(wanted, _limit - _next));
            _next = range.Value.End;
        }
        if (range is not { } r) return null;
        Issued++;
        if (!_outstanding.TryGetValue(lane, out var list)) _outstanding[lane] = list = [];
        list.Add(r);
        return r;
    }

    /// <summary>
    /// <paramref name="lane"/> explored <paramref name="explored"/> schedules from <paramref name="first"/>. Returns the
    /// schedules counted now (the rest were explored before). What the lane left unexplored below the limit is issued again.
    /// </summary>
    public long Complete(string lane, long first, long explored)
    {
        var done = new SeedRange(first, first + explored);
        var range = done;
        if (_outstanding.TryGetValue(lane, out var list) && list.FindIndex(x => x.First == first) is var i and >= 0)
        {
            range = list[i];
            list.RemoveAt(i);
            if (list.Count == 0) _outstanding.Remove(lane);
        }
        var counted = Explored.Add(done);
        Duplicates += explored - counted;
        if (done.End < range.End) _reissue.Add(new SeedRange(done.End, range.End)); // cancelled early: what is below the limit goes out again
        SortReissue();
        return counted;
    }

    /// <summary>The lanes matching <paramref name="isLost"/> are gone: their ranges wait to be issued again. Returns those ranges.</summary>
    public IReadOnlyList<SeedRange> Lose(Func<string, bool> isLost)
    {
        var lost = new List<SeedRange>();
        foreach (var lane in _outstanding.Keys.Where(isLost).ToList())
        {
            lost.AddRange(_outstanding[lane]);
            _outstanding.Remove(lane);
        }
        _reissue.AddRange(lost);
        SortReissue();
        return lost;
    }

    /// <summary>Issues nothing at or past <paramref name="end"/> from now on (a violation found below it, the clock spent).</summary>
    public void LimitTo(long end) => _limit = Math.Min(_limit, end);

    /// <summary>Lanes whose outstanding ranges reach past the limit (to be told to stop early).</summary>
    public IEnumerable<string> LanesPastLimit() => _outstanding.Where(x => x.Value.Any(r => r.End > _limit)).Select(x => x.Key);

    /// <summary>Lost ranges still to be explored, clipped to the limit, without what was explored meanwhile.</summary>
    private IEnumerable<SeedRange> PendingReissue() =>
        _reissue.Where(r => r.First < _limit)
            .SelectMany(r => Explored.Missing(new SeedRange(r.First, Math.Min(r.End, _limit))))
            .Where(r => !IsOutstanding(r));

    private bool IsOutstanding(SeedRange r) => _outstanding.Values.Any(l => l.Any(x => x.First < r.End && r.First < x.End));

    private void RemoveFromReissue(SeedRange taken)
    {
        var rest = new List<SeedRange>();
        foreach (var r in _reissue)
        {
            if (r.End <= taken.First || r.First >= taken.End) { rest.Add(r); continue; }
            if (r.First < taken.First) rest.Add(new SeedRange(r.First, taken.First));
            if (r.End > taken.End) rest.Add(new SeedRange(taken.End, r.End));
        }
        _reissue.Clear();
        _reissue.AddRange(rest);
    }

    private void SortReissue() => _reissue.Sort((a, b) => a.First.CompareTo(b.First));
}
