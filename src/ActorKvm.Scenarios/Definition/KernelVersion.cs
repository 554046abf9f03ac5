using System.Globalization;
using System.Text.RegularExpressions;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>A Linux version <c>MAJOR.MINOR[.PATCH]</c> (scenario <c>min-kernel</c>, the kernel <c>actorkvm diff</c> booted).</summary>
/// <param name="Major">e.g. 6.</param>
/// <param name="Minor">e.g. 12.</param>
/// <param name="Patch">e.g. 118 (0 when not given).</param>
public sealed partial record KernelVersion(int Major, int Minor, int Patch = 0) : IComparable<KernelVersion>
{
    /// <summary>Parses <c>6.17</c>, <c>6.12.118</c> or a release string such as <c>6.12.118+deb12-arm64</c>; null when malformed.</summary>
    public static KernelVersion? Parse(string text)
    {
        var m = VersionPattern().Match(text.Trim());
        if (!m.Success) return null;
        static int N(Group g) => g.Success ? int.Parse(g.Value, CultureInfo.InvariantCulture) : 0;
        return new KernelVersion(N(m.Groups[1]), N(m.Groups[2]), N(m.Groups[3]));
    }

    /// <inheritdoc/>
    public int CompareTo(KernelVersion? other) =>
        other is null ? 1 : (Major, Minor, Patch).CompareTo((other.Major, other.Minor, other.Patch));

    /// <summary>True when this version is older than <paramref name="other"/>.</summary>
    public bool OlderThan(KernelVersion other) => CompareTo(other) < 0;

    /// <inheritdoc/>
    public override string ToString() => Patch == 0 ? $"{Major}.{Minor}" : $"{Major}.{Minor}.{Patch}";

    [GeneratedRegex(@"^(\d{1,3})\.(\d{1,3})(?:\.(\d{1,4}))?(?:[-+~_].*)?$")]
    private static partial Regex VersionPattern();
}
