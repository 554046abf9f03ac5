using System.CommandLine;
using System.CommandLine.Parsing;
using System.Text.RegularExpressions;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Stress.Verbs;

namespace ActorKvm.Stress.Cli;

/// <summary>
/// Builds the command tree and runs it. Parse errors are reported by us as one line (never
/// System.CommandLine's error-plus-help dump); help is printed only for <c>--help</c>.
/// </summary>
internal static partial class CommandLine
{
    /// <summary>The command tree: every verb and option (docs/cli.md documents each; a test checks).</summary>
    public static RootCommand Build(CliIo io, CliContext context)
    {
        var common = new CommonOptions();
        var root = new RootCommand("actorkvm: an Akka.NET model of the arm64 KVM stage-2 fault path");
        common.AddTo(root);
        DefaultVerb.Configure(root, common, io);
        root.Add(CheckVerb.Create(common, io, context));
        root.Add(ScenariosVerb.Create(common, io, context));
        root.Add(BugsVerb.Create(common, io));
        root.Add(RunVerb.Create(common, io));
        root.Add(HuntVerb.Create(common, io));
        root.Add(ReplayVerb.Create(common, io));
        root.Add(WorkerVerb.Create(common, io));
        root.Add(VariantsVerb.Create(common, io));
        root.Add(CompareVerb.Create(common, io));
        root.Add(DirtyLogPerfVerb.Create(common, io));
        root.Add(DiffVerb.Create(common, io, context));
        return root;
    }

    public static int Run(string[] args, CliIo io, CliContext context)
    {
        var parsed = Build(io, context).Parse(args);
        if (parsed.Errors.Count > 0)
            return UserError(io, Describe(parsed.Errors[0].Message));
        if (UnknownOption(parsed) is { } unknown)
            return UserError(io, $"unrecognized option '{unknown}'");
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = io.Out, Error = io.Err, EnableDefaultExceptionHandler = false });
        }
        catch (CliUserError e)
        {
            return UserError(io, e.Message);
        }
        catch (Akka.Configuration.ConfigurationException e) when (parsed.GetValue<string?>("--config") is { } config)
        {
            // Akka checks dispatcher and mailbox types only when it builds them (an actor system starting, before any
            // work): the configuration the user layered in is what named them.
            var inner = e;
            while (inner.InnerException is Akka.Configuration.ConfigurationException deeper) inner = deeper;
            return UserError(io, $"--config: {config}: {OneLine(inner.Message)}");
        }
    }

    /// <summary>
    /// A variadic argument (<c>check FILE...</c>) swallows unknown options as values; catch them so a
    /// typo is an error, not a "no such file". Values after <c>--</c> are taken literally.
    /// </summary>
    private static string? UnknownOption(ParseResult parsed)
    {
        foreach (var token in parsed.Tokens)
        {
            if (token.Type == TokenType.DoubleDash) return null;
            if (token.Type == TokenType.Argument && token.Value.Length > 1 && token.Value[0] == '-'
                && !char.IsAsciiDigit(token.Value[1]) && token.Value[1] != '.')
                return token.Value; // a negative number (-1, -1s, -2G) is a value that its option then checks, not an option
        }
        return null;
    }

    private static int UserError(CliIo io, string message)
    {
        // Messages quote what the user typed (an unknown word, a value): it may hold control characters.
        io.Err.WriteLine($"actorkvm: error: {Printable.Escape(message)}");
        return ExitCodes.BadInput;
    }

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for (option|command) '(?<name>[^']*)' as expected type '(?<type>[^']*)'\.?$", RegexOptions.Singleline)]
    private static partial Regex CannotParse();

    /// <summary>
    /// A parse error as one line. System.CommandLine's conversion error names the .NET type ("as expected type
    /// 'System.Nullable`1[System.UInt64]'"): it becomes the option, the kind in words and the value.
    /// </summary>
    private static string Describe(string message)
    {
        if (CannotParse().Match(message) is not { Success: true } m) return OneLine(message);
        var type = Type.GetType(m.Groups["type"].Value) is { } t ? Nullable.GetUnderlyingType(t) ?? t : null;
        var kind = type switch
        {
            _ when type == typeof(int) => $"a whole number {int.MinValue}..{int.MaxValue}",
            _ when type == typeof(long) => $"a whole number {long.MinValue}..{long.MaxValue}",
            _ when type == typeof(ulong) => $"a whole number 0..{ulong.MaxValue}",
            _ when type == typeof(bool) => "true or false",
            _ => "another kind of value",
        };
        return $"{m.Groups["name"].Value}: expected {kind}, got '{m.Groups["value"].Value}'";
    }

    /// <summary>"Unrecognized command or argument 'x'." → "unrecognized command or argument 'x'".</summary>
    private static string OneLine(string message)
    {
        var s = string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.');
        return s.Length > 0 && char.IsUpper(s[0]) && (s.Length == 1 || !char.IsUpper(s[1])) ? char.ToLowerInvariant(s[0]) + s[1..] : s;
    }
}
