using ActorKvm.Model.Arch;

namespace ActorKvm.Stress.Diff;

/// <summary>
/// The real kernel's stage-2 leaves as its kprobe events show them: <c>kvm_pgtable_stage2_map</c> installs a leaf
/// (any leaf it overlaps goes), <c>_unmap</c> removes every leaf its range touches (a partly covered block goes
/// whole, as <c>stage2_unmap_walker</c> clears it), <c>_wrprotect</c> clears W, <c>_split</c> turns blocks into
/// pages, <c>_relax_perms</c> adds permissions to the leaf holding its address.
/// </summary>
public sealed class KernelStage2Shadow
{
    /// <summary><c>KVM_PGTABLE_PROT_X</c>, <c>_W</c>, <c>_R</c>, <c>_DEVICE</c>, <c>_NORMAL_NC</c> (arch/arm64/include/asm/kvm_pgtable.h).</summary>
    public const ulong ProtX = 1, ProtW = 2, ProtR = 4, ProtDevice = 8, ProtNormalNc = 16;

    private readonly Dictionary<ulong, (ulong Size, ulong Prot)> _leaves = [];

    /// <summary>Applies one runner event (<c>M:ipa:size:prot</c>, <c>U:ipa:size</c>, <c>W:ipa:size</c>, <c>S:ipa:size</c>, <c>R:ipa:prot</c>).</summary>
    public void Apply(string ev)
    {
        var f = ev.Split(':');
        if (f.Length < 3) return;
        var a = Hex(f[1]);
        var b = Hex(f[2]);
        switch (f[0])
        {
            case "M":
                Remove(a, b);
                _leaves[a] = (b, f.Length > 3 ? Hex(f[3]) : 0);
                break;
            case "U":
                Remove(a, b);
                break;
            case "W":
                foreach (var k in Overlapping(a, b)) _leaves[k] = (_leaves[k].Size, _leaves[k].Prot & ~ProtW);
                break;
            case "S":
                foreach (var k in Overlapping(a, b).Where(k => _leaves[k].Size > Sizes.PageSize))
                {
                    var (size, prot) = _leaves[k];
                    _leaves.Remove(k);
                    for (var p = k; p < k + size; p += Sizes.PageSize) _leaves[p] = (Sizes.PageSize, prot);
                }
                break;
            case "R":
                if (Find(a) is { } leaf) _leaves[leaf.Start] = (leaf.Size, leaf.Prot | (b & (ProtR | ProtW | ProtX)));
                break;
        }
    }

    /// <summary>The leaf holding <paramref name="ipa"/>, or null.</summary>
    public (ulong Start, ulong Size, ulong Prot)? Find(ulong ipa)
    {
        foreach (var size in new[] { Sizes.PageSize, Sizes.PmdSize, Sizes.PudSize })
        {
            var start = ipa & ~(size - 1);
            if (_leaves.TryGetValue(start, out var l) && l.Size == size) return (start, l.Size, l.Prot);
        }
        return null;
    }

    /// <summary>Scenario spelling of a prot's permissions (<c>rw</c>, <c>none</c>).</summary>
    public static string Perms(ulong prot)
    {
        var s = ((prot & ProtR) != 0 ? "r" : "") + ((prot & ProtW) != 0 ? "w" : "") + ((prot & ProtX) != 0 ? "x" : "");
        return s.Length == 0 ? "none" : s;
    }

    /// <summary>Scenario spelling of a prot's memory type.</summary>
    public static string MemType(ulong prot) => (prot & ProtDevice) != 0 ? "device" : (prot & ProtNormalNc) != 0 ? "normal-nc" : "normal";

    private void Remove(ulong start, ulong size)
    {
        foreach (var k in Overlapping(start, size)) _leaves.Remove(k);
    }

    private List<ulong> Overlapping(ulong start, ulong size) =>
        _leaves.Where(l => l.Key < start + size && start < l.Key + l.Value.Size).Select(l => l.Key).ToList();

    /// <summary>A runner number (<c>0x..</c> hex); 0 when malformed.</summary>
    internal static ulong Hex(string s) =>
        ulong.TryParse(s.StartsWith("0x", StringComparison.Ordinal) ? s[2..] : s, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : 0;
}
