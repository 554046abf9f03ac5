namespace ActorKvm.Model.Arch;

/// <summary>
/// Page and block sizes for the 4 KiB granule, named as the kernel names them
/// (<c>PAGE_SIZE</c>, <c>CONT_PTE_SIZE</c>, <c>PMD_SIZE</c>, <c>CONT_PMD_SIZE</c>, <c>PUD_SIZE</c>).
/// </summary>
public static class Sizes
{
    /// <summary><c>PAGE_SHIFT</c>.</summary>
    public const int PageShift = 12;
    /// <summary><c>CONT_PTE_SHIFT</c>: 16 contiguous PTEs.</summary>
    public const int ContPteShift = 16;
    /// <summary><c>PMD_SHIFT</c>.</summary>
    public const int PmdShift = 21;
    /// <summary><c>CONT_PMD_SHIFT</c>: 16 contiguous PMDs.</summary>
    public const int ContPmdShift = 25;
    /// <summary><c>PUD_SHIFT</c>.</summary>
    public const int PudShift = 30;

    /// <summary><c>PAGE_SIZE</c> (4 KiB).</summary>
    public const ulong PageSize = 1UL << PageShift;
    /// <summary><c>CONT_PTE_SIZE</c> (64 KiB).</summary>
    public const ulong ContPteSize = 1UL << ContPteShift;
    /// <summary><c>PMD_SIZE</c> (2 MiB).</summary>
    public const ulong PmdSize = 1UL << PmdShift;
    /// <summary><c>CONT_PMD_SIZE</c> (32 MiB).</summary>
    public const ulong ContPmdSize = 1UL << ContPmdShift;
    /// <summary><c>PUD_SIZE</c> (1 GiB).</summary>
    public const ulong PudSize = 1UL << PudShift;

    /// <summary>Pages in a PMD block (<c>PTRS_PER_PMD</c>).</summary>
    public const ulong PtrsPerPmd = PmdSize / PageSize;

    /// <summary><c>ARM64_HW_PGTABLE_LEVEL_SHIFT(n)</c> for the 4 KiB granule: 12, 21, 30, 39 for levels 3..0.</summary>
    public static int LevelShift(int level) => (PageShift - 3) * (4 - level) + 3;

    /// <summary>The size mapped by one entry at a stage-2 level (4 KiB granule).</summary>
    public static ulong LevelSize(int level) => 1UL << LevelShift(level);

    /// <summary>The stage-2 level whose entries map exactly <paramref name="size"/>, or -1.</summary>
    public static int LevelOfSize(ulong size) => size switch
    {
        PageSize => 3,
        PmdSize => 2,
        PudSize => 1,
        1UL << 39 => 0,
        _ => -1,
    };

    /// <summary>Formats a byte size the way scenario files write it (4K, 2M, 1G).</summary>
    public static string Format(ulong bytes)
    {
        if (bytes != 0 && bytes % (1UL << 40) == 0) return $"{bytes >> 40}T";
        if (bytes != 0 && bytes % (1UL << 30) == 0) return $"{bytes >> 30}G";
        if (bytes != 0 && bytes % (1UL << 20) == 0) return $"{bytes >> 20}M";
        if (bytes != 0 && bytes % (1UL << 10) == 0) return $"{bytes >> 10}K";
        return bytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
    }
}
