namespace ActorKvm.Engine.Workload;

/// <summary>
/// SplitMix64: a tiny PRNG whose sequence is fixed forever (unlike <see cref="Random"/>, whose algorithm may
/// change between .NET versions), so a seed replays the same workload on any machine.
/// </summary>
public sealed class SplitMix64
{
    private ulong _state;

    /// <summary>Seeds the generator.</summary>
    public SplitMix64(ulong seed) => _state = seed;

    /// <summary>The next 64 random bits.</summary>
    public ulong Next()
    {
        var z = _state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A value in [0, bound).</summary>
    public ulong Below(ulong bound) => bound == 0 ? 0 : Next() % bound;

    /// <summary>A value in [0, bound).</summary>
    public int Below(int bound) => (int)Below((ulong)bound);
}
