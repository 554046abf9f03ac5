using System.Globalization;

namespace ActorKvm.Stress.Cli;

/// <summary>Parses durations as the CLI contract writes them: <c>10s</c>, <c>500ms</c>, <c>2m</c>, <c>1h</c>.</summary>
internal static class DurationParser
{
    /// <summary>
    /// The longest duration accepted: a year, far past any run, and far inside what <see cref="TimeSpan"/> and timers
    /// hold (a bigger number would overflow them).
    /// </summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(365);

    public static TimeSpan Parse(string option, string text)
    {
        var units = new (string Suffix, double Seconds)[] { ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600) };
        foreach (var (suffix, seconds) in units)
        {
            if (!text.EndsWith(suffix, StringComparison.Ordinal)) continue;
            var number = text[..^suffix.Length];
            if (suffix == "s" && number.EndsWith('m')) continue; // "ms" is handled first
            if (double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && v > 0 && double.IsFinite(v))
                return v * seconds <= Max.TotalSeconds
                    ? TimeSpan.FromSeconds(v * seconds)
                    : throw new CliUserError($"{option}: at most {Max.TotalDays:0} days, got '{text}'");
        }
        throw new CliUserError($"{option}: expected a duration such as 10s, 500ms or 2m, got '{text}'");
    }
}
