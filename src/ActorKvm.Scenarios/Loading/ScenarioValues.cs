using System.Globalization;

namespace ActorKvm.Engine.Scenarios.Loading;

/// <summary>
/// Text forms of scenario values (sizes, addresses), shared by the loader and the command line
/// (<c>--memory 1G</c>), so both accept exactly the same spellings.
/// </summary>
public static class ScenarioValues
{
    private static readonly (string Suffix, int Shift)[] Suffixes =
    [
        ("KiB", 10), ("MiB", 20), ("GiB", 30), ("TiB", 40), ("K", 10), ("M", 20), ("G", 30), ("T", 40),
    ];

    /// <summary>
    /// Parses a size: decimal bytes, <c>0x</c> hex bytes, or a decimal count with a binary suffix
    /// (K, M, G, T or KiB, MiB, GiB, TiB; powers of 1024). Case-sensitive, like the format.
    /// </summary>
    public static bool TryParseSize(string text, out ulong bytes)
    {
        bytes = 0;
        var s = text.Trim();
        foreach (var (suffix, shift) in Suffixes)
        {
            if (!s.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var digits = s[..^suffix.Length].TrimEnd();
            if (!TryParseDecimal(digits, out var count)) return false;
            if (count > (ulong.MaxValue >> shift)) return false;
            bytes = count << shift;
            return true;
        }
        return TryParseInteger(s, out bytes);
    }

    /// <summary>Parses an address or plain integer: decimal, or hex with a <c>0x</c> prefix.</summary>
    public static bool TryParseInteger(string text, out ulong value)
    {
        value = 0;
        var s = text.Trim();
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
            return s.Length > 2 && s[2..].All(Uri.IsHexDigit)
                && ulong.TryParse(s[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        return TryParseDecimal(s, out value);
    }

    private static bool TryParseDecimal(string s, out ulong value)
    {
        value = 0;
        return s.Length > 0 && s.All(char.IsAsciiDigit)
            && ulong.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }
}
