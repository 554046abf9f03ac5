using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Stage2;

/// <summary>
/// One stage-2 descriptor slot: invalid, a table (<see cref="Table"/> set) or a valid leaf.
/// A struct so a table's 512 entries live inline in its node.
/// </summary>
internal struct S2Entry
{
    /// <summary>Next-level table when this is a table descriptor.</summary>
    public TableNode? Table;

    /// <summary>Output frame of a leaf.</summary>
    public ulong Pfn;

    /// <summary>R/W/X and memory-type selector of a leaf.</summary>
    public S2Prot Prot;

    /// <summary>Software bits of a leaf.</summary>
    public byte Sw;

    /// <summary>True for a valid leaf (ignored when <see cref="Table"/> is set).</summary>
    public bool Leaf;

    /// <summary>Access flag of a leaf.</summary>
    public bool Young;

    /// <summary>True for a valid descriptor of either kind (<c>kvm_pte_valid</c>).</summary>
    public readonly bool IsValid => Leaf || Table is not null;

    /// <summary>The public view of this leaf, which starts at <paramref name="ipa"/> at <paramref name="level"/>.</summary>
    public readonly S2Leaf ToLeaf(ulong ipa, int level) => new(new Ipa(ipa), level, new Pfn(Pfn), Prot, Young, Sw);

    /// <summary>A valid leaf descriptor.</summary>
    public static S2Entry MakeLeaf(ulong pfn, S2Prot prot, bool young, byte sw) =>
        new() { Pfn = pfn, Prot = prot, Young = young, Sw = sw, Leaf = true };
}
