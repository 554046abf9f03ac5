using System.CommandLine;
using System.CommandLine.Parsing;
using ActorKvm.Engine.Scenarios.Loading;

namespace ActorKvm.Stress.Cli;

/// <summary>The checks of options several verbs share (<c>run</c>, <c>replay</c>, <c>hunt</c>, <c>check</c>): one message each, everywhere.</summary>
internal static class OptionChecks
{
    public static int Vcpus(int n) => n is >= 1 and <= 4096 ? n : throw new CliUserError($"--vcpus: expected 1..4096, got {n}");

    public static ulong Memory(string text) =>
        ScenarioValues.TryParseSize(text, out var bytes) && bytes >= 2UL << 20
            ? bytes
            : throw new CliUserError($"--memory: expected a size of at least 2M such as 1G, got '{text}'");

    public static long Faults(long n) => n >= 1 ? n : throw new CliUserError($"--faults: expected a positive count, got {n}");

    public static int InvalidateEvery(int n) => n >= 0 ? n : throw new CliUserError($"--invalidate-every: expected 0 or more accesses, got {n}");

    /// <summary>
    /// A flag takes an optional true/false, so <c>--mte maybe</c> leaves <c>maybe</c> to the next argument (a scenario path
    /// for <c>run</c>): a missing <paramref name="argument"/> right after a flag is that flag's bad value.
    /// </summary>
    public static void FlagValue(ParseResult r, string argument)
    {
        if (File.Exists(argument)) return;
        var tokens = r.Tokens;
        for (var i = 1; i < tokens.Count; i++)
            if (tokens[i].Type == TokenType.Argument && tokens[i].Value == argument && tokens[i - 1].Type == TokenType.Option
                && r.CommandResult.Command.Options.FirstOrDefault(o => o.Name == tokens[i - 1].Value || o.Aliases.Contains(tokens[i - 1].Value)) is Option<bool> flag)
                throw new CliUserError($"{flag.Name}: expected true or false, got '{argument}'");
    }

    /// <summary>A trace file must go into an existing directory (checked before anything runs).</summary>
    public static string? TracePath(string? path) =>
        path is null || Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(path)))
            ? path
            : throw new CliUserError($"--trace: no such directory for {path}");
}
