namespace ActorKvm.Model.Arch;

/// <summary>
/// Stage-2 protection requested for a mapping (<c>enum kvm_pgtable_prot</c>): permission bits plus the
/// memory-type selectors <c>KVM_PGTABLE_PROT_DEVICE</c> and <c>KVM_PGTABLE_PROT_NORMAL_NC</c>.
/// </summary>
[Flags]
public enum S2Prot : byte
{
    /// <summary>No access.</summary>
    None = 0,
    /// <summary><c>KVM_PGTABLE_PROT_R</c>.</summary>
    R = 1,
    /// <summary><c>KVM_PGTABLE_PROT_W</c>.</summary>
    W = 2,
    /// <summary><c>KVM_PGTABLE_PROT_X</c>.</summary>
    X = 4,
    /// <summary><c>KVM_PGTABLE_PROT_DEVICE</c>: Device-nGnRE memory.</summary>
    Device = 8,
    /// <summary><c>KVM_PGTABLE_PROT_NORMAL_NC</c>: Normal non-cacheable memory.</summary>
    NormalNc = 16,
    /// <summary>Read and write.</summary>
    RW = R | W,
    /// <summary>Read, write and execute.</summary>
    RWX = R | W | X,
    /// <summary>The permission bits.</summary>
    PermMask = R | W | X,
}

/// <summary>Helpers for <see cref="S2Prot"/>.</summary>
public static class S2ProtExtensions
{
    /// <summary>The memory type a prot selects (<c>stage2_set_prot_attr</c>).</summary>
    public static MemType MemType(this S2Prot prot) =>
        (prot & S2Prot.Device) != 0 ? Arch.MemType.Device
        : (prot & S2Prot.NormalNc) != 0 ? Arch.MemType.NormalNc
        : Arch.MemType.Normal;

    /// <summary>Only the R/W/X bits.</summary>
    public static S2Prot Perms(this S2Prot prot) => prot & S2Prot.PermMask;

    /// <summary>Formats the permission bits as a scenario string ("rwx", "r", "none").</summary>
    public static string FormatPerms(this S2Prot prot)
    {
        var s = ((prot & S2Prot.R) != 0 ? "r" : "") + ((prot & S2Prot.W) != 0 ? "w" : "") + ((prot & S2Prot.X) != 0 ? "x" : "");
        return s.Length == 0 ? "none" : s;
    }

    /// <summary>Parses "rwx"-style permissions ("" or "none" for none); null when malformed.</summary>
    public static S2Prot? ParsePerms(string text)
    {
        if (text is "" or "none") return S2Prot.None;
        var p = S2Prot.None;
        foreach (var c in text)
        {
            var bit = c switch { 'r' => S2Prot.R, 'w' => S2Prot.W, 'x' => S2Prot.X, _ => (S2Prot?)null };
            if (bit is null || (p & bit.Value) != 0) return null;
            p |= bit.Value;
        }
        return p;
    }
}
