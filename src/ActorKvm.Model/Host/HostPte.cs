using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Host;

/// <summary>
/// One host page-table leaf: a PTE (4 KiB, possibly part of a CONT_PTE run), a PMD (2 MiB) or a
/// PUD (1 GiB). <see cref="Pfn"/> is the pfn mapped at the leaf's aligned start.
/// </summary>
public readonly record struct HostPte(Hva Start, int Shift, Pfn Pfn, Folio? Folio, bool Writable)
{
    /// <summary>Bytes mapped by this leaf.</summary>
    public ulong Size => 1UL << Shift;
    /// <summary>The pfn mapped for <paramref name="hva"/> inside this leaf.</summary>
    public Pfn PfnAt(Hva hva) => Pfn + ((hva - Start) >> Sizes.PageShift);
    /// <summary>True for a PFNMAP entry (no struct page).</summary>
    public bool IsSpecial => Folio is null;
}
