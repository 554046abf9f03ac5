using ActorKvm.Model.Arch;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>One entry of <c>expect.stage2</c>: the leaf expected at an IPA at the end.</summary>
/// <param name="Gpa">The IPA inspected.</param>
/// <param name="Mapped">Whether a leaf maps it; null = not checked.</param>
/// <param name="Size">Leaf size in bytes; null = not checked.</param>
/// <param name="Perms">Leaf R/W/X; null = not checked.</param>
/// <param name="MemType">Leaf memory type; null = not checked.</param>
/// <param name="Young">Access flag; null = not checked.</param>
/// <param name="Path">Key path, e.g. <c>expect.stage2[0]</c>.</param>
public sealed record Stage2Expect(Ipa Gpa, bool? Mapped, ulong? Size, S2Prot? Perms, MemType? MemType, bool? Young, string Path)
{
    /// <summary>The key path of one key, e.g. <c>expect.stage2[0].size</c>.</summary>
    public string KeyPath(string key) => $"{Path}.{key}";
}
