using ActorKvm.Stress.Cli;

namespace ActorKvm.Stress;

/// <summary>The <c>actorkvm</c> command (reference: docs/cli.md).</summary>
public static class Program
{
    public static int Main(string[] args) => Run(args, Console.Out, Console.Error);

    /// <summary>Runs the command in-process; returns the exit code (0, 1 or 2 as the contract says).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) =>
        Run(args, stdout, stderr, CliContext.Default);

    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, CliContext context) =>
        CommandLine.Run(args, new CliIo(stdout, stderr), context);
}
