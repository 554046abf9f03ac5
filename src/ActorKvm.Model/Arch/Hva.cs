namespace ActorKvm.Model.Arch;

/// <summary>A host virtual address in the VMM's address space.</summary>
public readonly record struct Hva(ulong Value) : IComparable<Hva>
{
    /// <summary>Adds a byte offset.</summary>
    public static Hva operator +(Hva a, ulong b) => new(a.Value + b);

    /// <summary>Subtracts a byte offset.</summary>
    public static Hva operator -(Hva a, ulong b) => new(a.Value - b);

    /// <summary>Byte distance between two addresses.</summary>
    public static ulong operator -(Hva a, Hva b) => a.Value - b.Value;

    /// <summary>Orders addresses.</summary>
    public static bool operator <(Hva a, Hva b) => a.Value < b.Value;

    /// <summary>Orders addresses.</summary>
    public static bool operator >(Hva a, Hva b) => a.Value > b.Value;

    /// <summary>Orders addresses.</summary>
    public static bool operator <=(Hva a, Hva b) => a.Value <= b.Value;

    /// <summary>Orders addresses.</summary>
    public static bool operator >=(Hva a, Hva b) => a.Value >= b.Value;

    /// <summary>Aligns down to a power-of-two size (<c>ALIGN_DOWN</c>).</summary>
    public Hva AlignDown(ulong size) => new(Value & ~(size - 1));

    /// <summary>True when aligned to the power-of-two size.</summary>
    public bool IsAligned(ulong size) => (Value & (size - 1)) == 0;

    /// <inheritdoc/>
    public int CompareTo(Hva other) => Value.CompareTo(other.Value);

    /// <inheritdoc/>
    public override string ToString() => "0x" + Value.ToString("x");
}
