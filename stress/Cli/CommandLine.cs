using System.CommandLine;
using System.CommandLine.Parsing;
using ActorKvm.Stress.Verbs;

namespace ActorKvm.Stress.Cli;

/// <summary>
/// Builds the command tree and runs it. Parse errors are reported by us as one line (never
/// System.CommandLine's error-plus-help dump); help is printed only for <c>--help</c>.
/// </summary>
internal static class CommandLine
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
        root.Add(DiffVerb.Create(common, io, context));
        return root;
    }

    public static int Run(string[] args, CliIo io, CliContext context)
    {
        var parsed = Build(io, context).Parse(args);
        if (parsed.Errors.Count > 0)
            return UserError(io, OneLine(parsed.Errors[0].Message));
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
                && !double.TryParse(token.Value, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _))
                return token.Value; // a negative number is a value (that its option then checks), not an option
        }
        return null;
    }

    private static int UserError(CliIo io, string message)
    {
        io.Err.WriteLine($"actorkvm: error: {message}");
        return ExitCodes.BadInput;
    }

    /// <summary>"Unrecognized command or argument 'x'." → "unrecognized command or argument 'x'".</summary>
    private static string OneLine(string message)
    {
        var s = string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.');
        return s.Length > 0 && char.IsUpper(s[0]) && (s.Length == 1 || !char.IsUpper(s[1])) ? char.ToLowerInvariant(s[0]) + s[1..] : s;
    }
}
