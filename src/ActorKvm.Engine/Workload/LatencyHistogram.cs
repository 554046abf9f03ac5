namespace ActorKvm.Engine.Workload;

/// <summary>
/// Fault latencies in log-linear buckets (16 sub-buckets per power of two, so a percentile is within ~6%),
/// fixed memory whatever the run's length, no allocation per sample.
/// </summary>
public sealed class LatencyHistogram
{
    private const int SubBits = 4;
    private const int Sub = 1 << SubBits;
    private readonly long[] _counts = new long[64 * Sub];

    /// <summary>Samples recorded.</summary>
    public long Count { get; private set; }

    /// <summary>The largest sample.</summary>
    public long Max { get; private set; }

    /// <summary>Records one latency (negative values count as 0).</summary>
    public void Record(long value)
    {
        if (value < 0) value = 0;
        _counts[Bucket(value)]++;
        Count++;
        if (value > Max) Max = value;
    }

    /// <summary>Forgets every sample.</summary>
    public void Clear()
    {
        Array.Clear(_counts);
        Count = 0;
        Max = 0;
    }

    /// <summary>The value at or below which <paramref name="percent"/>% of the samples lie (the bucket's upper edge, capped at <see cref="Max"/>); 0 when empty.</summary>
    public long Percentile(double percent)
    {
        if (Count == 0) return 0;
        var rank = (long)Math.Ceiling(Count * percent / 100.0);
        if (rank < 1) rank = 1;
        long seen = 0;
        for (var b = 0; b < _counts.Length; b++)
        {
            seen += _counts[b];
            if (seen >= rank) return Math.Min(UpperEdge(b), Max);
        }
        return Max;
    }

    private static int Bucket(long v)
    {
        if (v < Sub) return (int)v;
        var exp = 63 - (int)long.LeadingZeroCount(v); // >= SubBits
        var sub = (int)(v >> (exp - SubBits)) & (Sub - 1);
        return ((exp - SubBits + 1) << SubBits) + sub;
    }

    private static long UpperEdge(int bucket)
    {
        if (bucket < Sub) return bucket;
        var exp = (bucket >> SubBits) + SubBits - 1;
        var sub = bucket & (Sub - 1);
        return ((long)(Sub + sub + 1) << (exp - SubBits)) - 1;
    }
}
