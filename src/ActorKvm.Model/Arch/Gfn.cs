namespace ActorKvm.Model.Arch;

/// <summary>A guest frame number: an IPA shifted right by <c>PAGE_SHIFT</c>.</summary>
public readonly record struct Gfn(ulong Value) : IComparable<Gfn>
{
    /// <summary>The IPA of the first byte of this frame.</summary>
    public Ipa ToIpa() => new(Value << Sizes.PageShift);

    /// <summary>The frame holding an IPA (<c>ipa &gt;&gt; PAGE_SHIFT</c>).</summary>
    public static Gfn Of(Ipa ipa) => new(ipa.Value >> Sizes.PageShift);

    /// <summary>Adds a page count.</summary>
    public static Gfn operator +(Gfn a, ulong pages) => new(a.Value + pages);

    /// <summary>Page distance between two frames.</summary>
    public static ulong operator -(Gfn a, Gfn b) => a.Value - b.Value;

    /// <inheritdoc/>
    public int CompareTo(Gfn other) => Value.CompareTo(other.Value);

    /// <inheritdoc/>
    public override string ToString() => "gfn:0x" + Value.ToString("x");
}
