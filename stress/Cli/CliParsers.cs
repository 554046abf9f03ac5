using System.CommandLine;
using System.CommandLine.Parsing;

namespace ActorKvm.Stress.Cli;

/// <summary>
/// Values with units (durations, sizes, rates) parsed by System.CommandLine itself, so a verb's body receives the value,
/// never the text; a bad value is the parser's one-line error (<c>actorkvm: error: --duration: ...</c>, exit 2).
/// </summary>
internal static class CliParsers
{
    /// <summary>A custom parser from a text parser that reports the user's mistakes as <see cref="CliUserError"/>.</summary>
    public static Func<ArgumentResult, T> From<T>(Func<string, T> parse) => result =>
    {
        try
        {
            return parse(result.Tokens.Count > 0 ? result.Tokens[^1].Value : "");
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
}
