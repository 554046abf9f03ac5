using ActorKvm.Model.Arch;

namespace ActorKvm.Model.Host;

/// <summary>
/// A host virtual memory area (<c>struct vm_area_struct</c>). A VMA object is dead once unmapped;
/// a fault must copy what it needs while holding <c>mmap_lock</c> and never touch it afterwards.
/// </summary>
public sealed class Vma
{
    internal Vma(int id, int fileId, Hva start, ulong size, BackingKind backing, HostProt prot, bool shared, ulong pgoff)
    {
        Id = id;
        FileId = fileId;
        Start = start;
        End = start + size;
        Backing = backing;
        Prot = prot;
        Shared = shared || backing is BackingKind.Shmem or BackingKind.GuestMemfd;
        PgOff = pgoff;
    }

    /// <summary>Identity, for traces.</summary>
    public int Id { get; }
    /// <summary><c>vm_start</c>.</summary>
    public Hva Start { get; }
    /// <summary><c>vm_end</c> (exclusive).</summary>
    public Hva End { get; internal set; }
    /// <summary>What backs it.</summary>
    public BackingKind Backing { get; }
    /// <summary>Current protection (mprotect changes it).</summary>
    public HostProt Prot { get; internal set; }
    /// <summary><c>VM_SHARED</c>.</summary>
    public bool Shared { get; }
    /// <summary>The file (or device aperture) this VMA maps; split parts of one mapping share it.</summary>
    public int FileId { get; }
    /// <summary><c>vm_pgoff</c>: the file page (or, for PFNMAP, the pfn) at <see cref="Start"/>.</summary>
    public ulong PgOff { get; }
    /// <summary>The file page index (or PFNMAP pfn) backing <paramref name="hva"/>.</summary>
    public ulong PageIndexOf(Hva hva) => PgOff + ((hva - Start) >> Sizes.PageShift);
    /// <summary>Unmapped: the object is gone and must not be dereferenced.</summary>
    public bool Dead { get; internal set; }

    /// <summary>Size in bytes.</summary>
    public ulong Size => End - Start;
    /// <summary>True when <paramref name="hva"/> lies inside.</summary>
    public bool Contains(Hva hva) => hva >= Start && hva < End;
    /// <summary><c>VM_PFNMAP</c>.</summary>
    public bool IsPfnMap => Backing.IsPfnMap();
    /// <summary><c>VM_MIXEDMAP</c>.</summary>
    public bool IsMixedMap => Backing.IsMixedMap();
    /// <summary><c>vm_flags &amp; (VM_PFNMAP | VM_MIXEDMAP)</c>.</summary>
    public bool IsPfnOrMixedMap => IsPfnMap || IsMixedMap;
    /// <summary><c>is_vm_hugetlb_page</c>.</summary>
    public bool IsHugetlb => Backing.IsHugetlb();
    /// <summary><c>VM_MTE_ALLOWED</c>.</summary>
    public bool MteAllowed => Backing.MteAllowed();
    /// <summary><c>kvm_vma_is_cacheable</c>.</summary>
    public bool IsCacheable => Backing.IsCacheable();
    /// <summary>The host page size hugetlbfs uses here, else 4 KiB.</summary>
    public ulong HugePageSize => IsHugetlb ? Backing.HugetlbPageSize() : Sizes.PageSize;

    /// <inheritdoc/>
    public override string ToString() => $"vma#{Id}[{Start}-{End} {Backing.ToScenarioName()} {Prot.Format()}{(Dead ? " dead" : "")}]";
}
