namespace ActorKvm.Timing.Machine;

/// <summary>The seeded generator of modelled-time runs (ties, workload choices): SplitMix64, the same on every machine.</summary>
public sealed class SplitMix64(ulong seed)
{
    private ulong _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A value in [0, n).</summary>
    public int Below(int n) => (int)(Next() % (ulong)n);

    /// <summary>True with probability <paramref name="percent"/>/100.</summary>
    public bool Percent(int percent) => (int)(Next() % 100) < percent;
}
