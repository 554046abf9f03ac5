using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Stage2;

/// <summary>
/// One stage-2 descriptor slot, packed into 8 bytes like the hardware's: invalid, a table descriptor (the
/// next-level table itself is held by the owning <see cref="TableNode"/>) or a valid leaf. A struct so a table's
/// 512 entries live inline in its node: a last-level table costs 4 KiB, as in the kernel.
/// </summary>
/// <remarks>Layout: bits 0-7 <see cref="S2Prot"/>, 8-11 software bits, 12 leaf, 13 access flag, 14 table, 16-63 pfn.</remarks>
internal struct S2Entry
{
    private const int SwShift = 8;
    private const ulong SwMask = 0xFUL << SwShift;
    private const ulong LeafBit = 1UL << 12;
    private const ulong YoungBit = 1UL << 13;
    private const ulong TableBit = 1UL << 14;
    private const int PfnShift = 16;

    /// <summary>Frames a leaf can hold: 48 bits of pfn (a 60-bit physical address, beyond arm64's 52).</summary>
    public const ulong PfnLimit = 1UL << (64 - PfnShift);

    private ulong _bits;

    /// <summary>A table descriptor; <see cref="TableNode.Link"/> writes it together with the table it points to.</summary>
    public static S2Entry TableDescriptor => new() { _bits = TableBit };

    /// <summary>True for a table descriptor (<c>kvm_pte_table</c>).</summary>
    public readonly bool IsTable => (_bits & TableBit) != 0;

    /// <summary>Output frame of a leaf.</summary>
    public readonly ulong Pfn => _bits >> PfnShift;

    /// <summary>R/W/X and memory-type selector of a leaf.</summary>
    public S2Prot Prot
    {
        readonly get => (S2Prot)(byte)_bits;
        set => _bits = (_bits & ~0xFFUL) | (byte)value;
    }

    /// <summary>Software bits of a leaf (0..<see cref="Stage2PageTable.MaxSwBits"/>).</summary>
    public readonly byte Sw => (byte)((_bits & SwMask) >> SwShift);

    /// <summary>True for a valid leaf.</summary>
    public readonly bool Leaf => (_bits & LeafBit) != 0;

    /// <summary>Access flag of a leaf.</summary>
    public bool Young
    {
        readonly get => (_bits & YoungBit) != 0;
        set => _bits = value ? _bits | YoungBit : _bits & ~YoungBit;
    }

    /// <summary>True for a valid descriptor of either kind (<c>kvm_pte_valid</c>).</summary>
    public readonly bool IsValid => (_bits & (LeafBit | TableBit)) != 0;

    /// <summary>The public view of this leaf, which starts at <paramref name="ipa"/> at <paramref name="level"/>.</summary>
    public readonly S2Leaf ToLeaf(ulong ipa, int level) => new(new Ipa(ipa), level, new Pfn(Pfn), Prot, Young, Sw);

    /// <summary>A valid leaf descriptor.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pfn"/> is at or above <see cref="PfnLimit"/>, or <paramref name="sw"/> above 15.</exception>
    public static S2Entry MakeLeaf(ulong pfn, S2Prot prot, bool young, byte sw)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(pfn, PfnLimit);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(sw, Stage2PageTable.MaxSwBits);
        return new() { _bits = (pfn << PfnShift) | LeafBit | (young ? YoungBit : 0) | ((ulong)sw << SwShift) | (byte)prot };
    }
}
