namespace ActorKvm.Model.Arch;

/// <summary>An intermediate physical address (guest physical address) at stage 2.</summary>
public readonly record struct Ipa(ulong Value) : IComparable<Ipa>
{
    /// <summary>Adds a byte offset.</summary>
    public static Ipa operator +(Ipa a, ulong b) => new(a.Value + b);

    /// <summary>Subtracts a byte offset.</summary>
    public static Ipa operator -(Ipa a, ulong b) => new(a.Value - b);

    /// <summary>Byte distance between two addresses.</summary>
    public static ulong operator -(Ipa a, Ipa b) => a.Value - b.Value;

    /// <summary>Orders addresses.</summary>
    public static bool operator <(Ipa a, Ipa b) => a.Value < b.Value;

    /// <summary>Orders addresses.</summary>
    public static bool operator >(Ipa a, Ipa b) => a.Value > b.Value;

    /// <summary>Orders addresses.</summary>
    public static bool operator <=(Ipa a, Ipa b) => a.Value <= b.Value;

    /// <summary>Orders addresses.</summary>
    public static bool operator >=(Ipa a, Ipa b) => a.Value >= b.Value;

    /// <summary>Aligns down to a power-of-two size (<c>ALIGN_DOWN</c>).</summary>
    public Ipa AlignDown(ulong size) => new(Value & ~(size - 1));

    /// <summary>True when aligned to the power-of-two size.</summary>
    public bool IsAligned(ulong size) => (Value & (size - 1)) == 0;

    /// <inheritdoc/>
    public int CompareTo(Ipa other) => Value.CompareTo(other.Value);

    /// <inheritdoc/>
    public override string ToString() => "0x" + Value.ToString("x");
}
