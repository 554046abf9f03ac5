namespace ActorKvm.Model.Arch;

/// <summary>A host physical frame number (4 KiB frames).</summary>
public readonly record struct Pfn(ulong Value) : IComparable<Pfn>
{
    /// <summary>Adds a page count.</summary>
    public static Pfn operator +(Pfn a, ulong pages) => new(a.Value + pages);

    /// <summary>Page distance between two frames.</summary>
    public static long operator -(Pfn a, Pfn b) => (long)a.Value - (long)b.Value;

    /// <summary>Aligns down to a page count that is a power of two.</summary>
    public Pfn AlignDown(ulong pages) => new(Value & ~(pages - 1));

    /// <inheritdoc/>
    public int CompareTo(Pfn other) => Value.CompareTo(other.Value);

    /// <inheritdoc/>
    public override string ToString() => "pfn:0x" + Value.ToString("x");
}
