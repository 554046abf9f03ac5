using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Stage2;

/// <summary>One valid stage-2 leaf (page or block descriptor) as the oracle and scenarios see it.</summary>
/// <param name="Ipa">First IPA of the leaf, aligned to <see cref="Size"/>.</param>
/// <param name="Level">Table level holding the leaf: 3 for a 4 KiB page, 2 for 2 MiB, 1 for 1 GiB blocks.</param>
/// <param name="Pfn">First host frame mapped.</param>
/// <param name="Prot">R/W/X bits plus the <see cref="S2Prot.Device"/> / <see cref="S2Prot.NormalNc"/> memory-type selector.</param>
/// <param name="Young">The access flag (AF).</param>
/// <param name="SwBits">Software bits [58:55] of the descriptor (0..15).</param>
public readonly record struct S2Leaf(Ipa Ipa, int Level, Pfn Pfn, S2Prot Prot, bool Young, byte SwBits)
{
    /// <summary>Bytes mapped (<c>kvm_granule_size(level)</c>).</summary>
    public ulong Size => Sizes.LevelSize(Level);

    /// <summary>True for a block descriptor (levels 1 and 2).</summary>
    public bool IsBlock => Level < 3;

    /// <summary>Memory type selected by <see cref="Prot"/> (<c>stage2_set_prot_attr</c>).</summary>
    public MemType MemType => Prot.MemType();

    /// <summary>Only the R/W/X bits of <see cref="Prot"/>.</summary>
    public S2Prot Perms => Prot.Perms();

    /// <summary>The IPA just past the leaf.</summary>
    public Ipa End => Ipa + Size;

    /// <summary>True when <paramref name="ipa"/> lies inside the leaf.</summary>
    public bool Contains(Ipa ipa) => ipa >= Ipa && ipa.Value - Ipa.Value < Size;

    /// <summary>The frame mapped for an IPA inside the leaf.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The IPA is outside the leaf.</exception>
    public Pfn PfnAt(Ipa ipa) =>
        Contains(ipa) ? Pfn + ((ipa.Value - Ipa.Value) >> Sizes.PageShift) : throw new ArgumentOutOfRangeException(nameof(ipa));

    /// <inheritdoc/>
    public override string ToString() =>
        $"leaf({Ipa}+{Sizes.Format(Size)} -> {Pfn} {Prot.FormatPerms()} {MemType}{(Young ? " young" : " old")}{(SwBits != 0 ? $" sw={SwBits}" : "")})";
}
