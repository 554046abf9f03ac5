using System.Runtime.CompilerServices;

namespace ActorKvm.Model.Stage2;

/// <summary>
/// One 4 KiB stage-2 table page: 512 8-byte descriptors stored inline, so creating a table is a single
/// allocation and walking one allocates nothing. The next-level tables its table descriptors point to are kept
/// beside them, in an array created when the first one is linked (never for a last-level table).
/// </summary>
internal sealed class TableNode
{
    /// <summary>Entries per table page (<c>PTRS_PER_PTE</c>).</summary>
    public const int PtrsPerTable = 512;

    /// <summary>The descriptors.</summary>
    public Entries512 Entries;

    private TableNode?[]? _children;

    /// <summary>Valid descriptors in this page: the kernel's page refcount minus one. Zero means the page can be freed.</summary>
    public int Live;

    /// <summary>The next-level table entry <paramref name="idx"/> points to, or null when it is not a table descriptor.</summary>
    public TableNode? Child(int idx) => Entries[idx].IsTable ? _children![idx] : null;

    /// <summary>Makes entry <paramref name="idx"/> a table descriptor pointing to <paramref name="table"/> (<c>kvm_init_table_pte</c>).</summary>
    public void Link(int idx, TableNode table)
    {
        (_children ??= new TableNode?[PtrsPerTable])[idx] = table;
        Entries[idx] = S2Entry.TableDescriptor;
    }

    /// <summary>Stores <paramref name="entry"/> (a leaf or invalid) at <paramref name="idx"/>, dropping any table it pointed to.</summary>
    public void Set(int idx, S2Entry entry)
    {
        if (Entries[idx].IsTable) _children![idx] = null;
        Entries[idx] = entry;
    }
}

/// <summary>Inline storage for <see cref="TableNode.PtrsPerTable"/> descriptors.</summary>
[InlineArray(TableNode.PtrsPerTable)]
internal struct Entries512
{
    private S2Entry _first;
}
