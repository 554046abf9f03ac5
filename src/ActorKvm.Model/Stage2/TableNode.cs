using System.Runtime.CompilerServices;

namespace ActorKvm.Model.Stage2;

/// <summary>
/// One 4 KiB stage-2 table page: 512 descriptors stored inline, so creating a table is a single
/// allocation and walking one allocates nothing.
/// </summary>
internal sealed class TableNode
{
    /// <summary>Entries per table page (<c>PTRS_PER_PTE</c>).</summary>
    public const int PtrsPerTable = 512;

    /// <summary>The descriptors.</summary>
    public Entries512 Entries;

    /// <summary>Valid descriptors in this page: the kernel's page refcount minus one. Zero means the page can be freed.</summary>
    public int Live;
}

/// <summary>Inline storage for <see cref="TableNode.PtrsPerTable"/> descriptors.</summary>
[InlineArray(TableNode.PtrsPerTable)]
internal struct Entries512
{
    private S2Entry _first;
}
