namespace ActorKvm.Model.Seeding;

/// <summary>
/// SplitMix64: the one seeded generator of every random choice the project makes (workloads, interleavings, run-on
/// choices, modelled-time ties). Its sequence is fixed forever (unlike <see cref="Random"/>, whose algorithm may change
/// between .NET versions), so a seed replays the same choices on any machine.
/// </summary>
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

    /// <summary>A value in [0, bound) (0 for a bound of 0).</summary>
    public ulong Below(ulong bound) => bound == 0 ? 0 : Next() % bound;

    /// <summary>A value in [0, bound) (0 for a bound of 0).</summary>
    public int Below(int bound) => (int)Below((ulong)bound);

    /// <summary>True with probability <paramref name="percent"/>/100.</summary>
    public bool Percent(int percent) => (int)(Next() % 100) < percent;
}
