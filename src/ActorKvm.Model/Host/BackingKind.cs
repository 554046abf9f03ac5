namespace ActorKvm.Model.Host;

/// <summary>What backs a host VMA (scenario key <c>backing</c>).</summary>
public enum BackingKind
{
    /// <summary>Private anonymous memory, 4 KiB pages (<c>anon</c>).</summary>
    Anon,
    /// <summary>THP-eligible anonymous memory (<c>thp</c>): write faults fill 2 MiB folios where they fit.</summary>
    Thp,
    /// <summary>hugetlbfs with 64 KiB (CONT_PTE) pages (<c>hugetlb-64K</c>).</summary>
    Hugetlb64K,
    /// <summary>hugetlbfs with 2 MiB (PMD) pages (<c>hugetlb-2M</c>).</summary>
    Hugetlb2M,
    /// <summary>hugetlbfs with 32 MiB (CONT_PMD) pages (<c>hugetlb-32M</c>).</summary>
    Hugetlb32M,
    /// <summary>hugetlbfs with 1 GiB (PUD) pages (<c>hugetlb-1G</c>).</summary>
    Hugetlb1G,
    /// <summary>Shared memory (shmem), 4 KiB, swap-backed (<c>shmem</c>).</summary>
    Shmem,
    /// <summary>Page cache of a regular file: not swap-backed (<c>file</c>).</summary>
    File,
    /// <summary><c>VM_PFNMAP|VM_IO</c> device memory, non-cacheable (<c>device</c>).</summary>
    Device,
    /// <summary><c>VM_PFNMAP</c> with cacheable attributes (<c>device-cacheable</c>).</summary>
    DeviceCacheable,
    /// <summary>Host-mappable guest_memfd memory (<c>guest-memfd</c>).</summary>
    GuestMemfd,
    /// <summary>
    /// <c>VM_MIXEDMAP|VM_IO</c> device memory, non-cacheable, over memory outside the kernel linear map that has
    /// <c>struct page</c>s (ZONE_DEVICE-like), so a fault-in takes a page reference (<c>device-mixedmap</c>). The host
    /// maps a 2 MiB window with one PMD when it lies inside the VMA with 2 MiB-aligned pfns (<c>vmf_insert_pfn_pmd</c>).
    /// </summary>
    DeviceMixedmap,
}

/// <summary>Facts derived from a <see cref="BackingKind"/>.</summary>
public static class BackingKindExtensions
{
    /// <summary>All kinds with their scenario names.</summary>
    public static readonly IReadOnlyList<(BackingKind Kind, string Name)> Names =
    [
        (BackingKind.Anon, "anon"), (BackingKind.Thp, "thp"), (BackingKind.Hugetlb64K, "hugetlb-64K"),
        (BackingKind.Hugetlb2M, "hugetlb-2M"), (BackingKind.Hugetlb32M, "hugetlb-32M"), (BackingKind.Hugetlb1G, "hugetlb-1G"),
        (BackingKind.Shmem, "shmem"), (BackingKind.File, "file"), (BackingKind.Device, "device"),
        (BackingKind.DeviceCacheable, "device-cacheable"), (BackingKind.GuestMemfd, "guest-memfd"),
        (BackingKind.DeviceMixedmap, "device-mixedmap"),
    ];

    /// <summary>The scenario name.</summary>
    public static string ToScenarioName(this BackingKind k)
    {
        foreach (var (kind, name) in Names) if (kind == k) return name;
        throw new ArgumentOutOfRangeException(nameof(k));
    }

    /// <summary>Parses a scenario name (exact spelling); null if unknown.</summary>
    public static BackingKind? Parse(string name)
    {
        foreach (var (kind, n) in Names) if (n == name) return kind;
        return null;
    }

    /// <summary>The hugetlb page size, or 0 for non-hugetlb backings.</summary>
    public static ulong HugetlbPageSize(this BackingKind k) => k switch
    {
        BackingKind.Hugetlb64K => Arch.Sizes.ContPteSize,
        BackingKind.Hugetlb2M => Arch.Sizes.PmdSize,
        BackingKind.Hugetlb32M => Arch.Sizes.ContPmdSize,
        BackingKind.Hugetlb1G => Arch.Sizes.PudSize,
        _ => 0,
    };

    /// <summary>True for hugetlbfs backings.</summary>
    public static bool IsHugetlb(this BackingKind k) => k.HugetlbPageSize() != 0;

    /// <summary><c>VM_PFNMAP</c>: no struct page behind the pfns.</summary>
    public static bool IsPfnMap(this BackingKind k) => k is BackingKind.Device or BackingKind.DeviceCacheable;

    /// <summary><c>VM_MIXEDMAP</c>: device pfns inserted with their <c>struct page</c>.</summary>
    public static bool IsMixedMap(this BackingKind k) => k is BackingKind.DeviceMixedmap;

    /// <summary>Device apertures (PFNMAP or MIXEDMAP): pfns outside the kernel linear map.</summary>
    public static bool IsDeviceAperture(this BackingKind k) => k.IsPfnMap() || k.IsMixedMap();

    /// <summary><c>VM_MTE_ALLOWED</c>: anonymous, shmem and hugetlb VMAs allow MTE; file and device VMAs do not.</summary>
    public static bool MteAllowed(this BackingKind k) =>
        k is BackingKind.Anon or BackingKind.Thp or BackingKind.Shmem || k.IsHugetlb();

    /// <summary>Swap-backed folios (anon, shmem, hugetlb); page-cache folios are not.</summary>
    public static bool IsSwapBacked(this BackingKind k) => k is not (BackingKind.File or BackingKind.Device or BackingKind.DeviceCacheable or BackingKind.DeviceMixedmap);

    /// <summary><c>kvm_vma_is_cacheable</c>: false only for the non-cacheable device mapping.</summary>
    public static bool IsCacheable(this BackingKind k) => k is not (BackingKind.Device or BackingKind.DeviceMixedmap);
}
