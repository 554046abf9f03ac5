using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;

namespace ActorKvm.Stress.Cli;

/// <summary>
/// Values with units (durations, sizes, rates) and checked counts, parsed by System.CommandLine itself, so a verb's body
/// receives the value, never the text; a bad value is the parser's one-line error (<c>actorkvm: error: --duration: ...</c>,
/// exit 2). Each text parser is also what a default written in <c>akka.hocon</c> goes through.
/// </summary>
internal static class CliParsers
{
    /// <summary>A custom parser from a text parser that reports the user's mistakes as <see cref="CliUserError"/>.</summary>
    public static Func<ArgumentResult, T> From<T>(Func<string, T> parse) => From((_, text) => parse(text));

    /// <summary>A custom parser whose text parser may look at the rest of the command line (another option's value).</summary>
    public static Func<ArgumentResult, T> From<T>(Func<ArgumentResult, string, T> parse) => result =>
    {
        try
        {
            return parse(result, result.Tokens.Count > 0 ? result.Tokens[^1].Value : "");
        }
        catch (CliUserError e)
        {
            result.AddError(e.Message);
            return default!;
        }
    };

    /// <summary>A duration option (<c>10s</c>, <c>500ms</c>, <c>2m</c>, <c>1h</c>; <see cref="DurationParser"/>) with a default written the same way.</summary>
    public static Option<TimeSpan> Duration(string name, string description, Func<string> defaultText) => new(name)
    {
        Description = description,
        HelpName = "DURATION",
        CustomParser = From(text => DurationParser.Parse(name, text)),
        DefaultValueFactory = _ => DurationParser.Parse(name, defaultText()),
    };

    /// <summary>A whole number, refused with the words System.CommandLine's own conversion error is rewritten to.</summary>
    public static T Whole<T>(string option, string text) where T : IBinaryInteger<T>, IMinMaxValue<T> =>
        T.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v
            : throw new CliUserError($"{option}: expected a whole number {T.MinValue}..{T.MaxValue}, got '{text}'");

    /// <summary><c>--vcpus</c>: one count 1..4096 (<paramref name="list"/>: or a comma-separated list of them, a sweep).</summary>
    public static IReadOnlyList<int> Vcpus(string text, bool list)
    {
        if (!list) return [OptionChecks.Vcpus(Whole<int>("--vcpus", text))];
        var counts = new List<int>();
        foreach (var p in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n))
                throw new CliUserError($"--vcpus: expected a count such as 8 or a list such as 1,2,8,64, got '{text}'");
            counts.Add(OptionChecks.Vcpus(n));
        }
        return counts;
    }

    /// <summary><c>--faults</c>: a positive 64-bit count.</summary>
    public static long Faults(string text) => OptionChecks.Faults(Whole<long>("--faults", text));

    /// <summary><c>--invalidate-every</c>: 0 or more accesses.</summary>
    public static int InvalidateEvery(string text) => OptionChecks.InvalidateEvery(Whole<int>("--invalidate-every", text));

    /// <summary>What clock <c>--invalidate-rate</c> counts its seconds on.</summary>
    public enum RateClock
    {
        /// <summary>A free-running run's wall clock: 0 &lt; N &lt;= 10^6.</summary>
        WallClock,

        /// <summary><c>--modelled-time</c>: modelled seconds, 0 &lt;= N &lt;= 10^7.</summary>
        Modelled,

        /// <summary><c>--deterministic</c>: no clock at all, so no rate.</summary>
        None,
    }

    /// <summary><c>--invalidate-rate N/s</c> (the <c>/s</c> may be left out); its range depends on <paramref name="clock"/>.</summary>
    public static double Rate(string text, RateClock clock)
    {
        if (clock == RateClock.None) throw new CliUserError("--invalidate-rate: a --deterministic run has no clock; use --invalidate-every N (accesses)");
        var t = text.EndsWith("/s", StringComparison.Ordinal) ? text[..^2] : text;
        var ok = double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var v);
        return clock == RateClock.Modelled
            ? ok && v >= 0 && v <= 10_000_000 ? v : throw new CliUserError($"--invalidate-rate: expected a rate such as 20000/s (0 <= N <= 10000000), got '{text}'")
            : ok && v > 0 && v <= 1_000_000 ? v : throw new CliUserError($"--invalidate-rate: expected a rate such as 500/s (0 < N <= 1000000), got '{text}'");
    }
}
