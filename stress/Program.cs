using ActorKvm.Stress.Cli;

namespace ActorKvm.Stress;

/// <summary>The <c>actorkvm</c> command (reference: docs/cli.md).</summary>
public static class Program
{
    public static int Main(string[] args)
    {
        // A closed or full stdout/stderr must not turn into a stack trace: writes are guarded, and a lost stdout is
        // reported on stderr (if that still works) with exit 2, after the work and any output files are done.
        var stdout = new GuardedWriter(() => Console.Out);
        var stderr = new GuardedWriter(() => Console.Error);
        var code = Run(args, stdout, stderr);
        stdout.Flush();
        if (stdout.Failure is not { } failure) return code;
        stderr.WriteLine($"actorkvm: error: cannot write to standard output: {failure}");
        stderr.Flush();
        return ExitCodes.BadInput;
    }

    /// <summary>Runs the command in-process; returns the exit code (0, 1 or 2 as the contract says).</summary>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) =>
        Run(args, stdout, stderr, CliContext.Default);

    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr, CliContext context) =>
        CommandLine.Run(args, new CliIo(stdout, stderr), context);
}
