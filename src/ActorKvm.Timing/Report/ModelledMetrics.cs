namespace ActorKvm.Timing.Report;

/// <summary>What a modelled-time run measured, all in modelled nanoseconds: nothing here depends on the host machine.</summary>
public sealed class ModelledMetrics
{
    private readonly List<double> _latencies = [];
    private readonly SortedDictionary<string, (long Count, double Ns)> _waits = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, long> _results = new(StringComparer.Ordinal);

    /// <summary>Faults taken (handler runs), all vCPUs.</summary>
    public long Faults { get; internal set; }
    /// <summary>Guest accesses, faulting or not.</summary>
    public long Accesses { get; internal set; }
    /// <summary>Activity steps run (interleaving points).</summary>
    public long Steps { get; internal set; }
    /// <summary>A hash of the interleaving: which CPU ran which phase, in order. Equal runs, equal digests.</summary>
    public ulong Digest { get; internal set; } = 14695981039346656037UL;
    /// <summary>Broadcast TLB invalidations issued.</summary>
    public long TlbiBroadcasts { get; internal set; }
    /// <summary>Atomics on mmu_lock's word, and how many of them moved the cache line from another CPU.</summary>
    public long LockWordAtomics { get; internal set; }
    /// <summary>Of <see cref="LockWordAtomics"/>, those that moved the line.</summary>
    public long LockLineTransfers { get; internal set; }

    /// <summary>Latency of every faulting access (issue to finish, retries and waits included), ns.</summary>
    public IReadOnlyList<double> Latencies => _latencies;
    /// <summary>Waits by what was waited for: count and modelled ns.</summary>
    public IReadOnlyDictionary<string, (long Count, double Ns)> Waits => _waits;
    /// <summary>Fault results by name (map, relax, retry, ...).</summary>
    public IReadOnlyDictionary<string, long> Results => _results;

    internal void Latency(double ns) => _latencies.Add(ns);

    internal void Waited(string what, double ns)
    {
        var (c, t) = _waits.GetValueOrDefault(what);
        _waits[what] = (c + 1, t + ns);
    }

    internal void Result(string name) => _results[name] = _results.GetValueOrDefault(name) + 1;

    internal void Mix(int cpu, string? phase, int status)
    {
        var h = Digest;
        h = (h ^ (ulong)cpu) * 1099511628211UL;
        h = (h ^ (ulong)status) * 1099511628211UL;
        if (phase is not null)
            foreach (var ch in phase) h = (h ^ ch) * 1099511628211UL;
        Digest = h;
    }

    /// <summary>The <paramref name="q"/> quantile (0..1) of the latencies, ns (0 when none).</summary>
    public double LatencyQuantile(double q)
    {
        if (_latencies.Count == 0) return 0;
        var sorted = _latencies.ToArray();
        Array.Sort(sorted);
        var i = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(i, 0, sorted.Length - 1)];
    }

    /// <summary>The category of a wait reason: the part before " for " (<c>mmu_lock (read)</c>, <c>synchronize_srcu</c>).</summary>
    public static string Category(string reason)
    {
        var i = reason.IndexOf(" for ", StringComparison.Ordinal);
        return i < 0 ? reason : reason[..i];
    }
}
