using System.CommandLine;
using System.CommandLine.Parsing;
using ActorKvm.Engine.Scenarios.Loading;

namespace ActorKvm.Stress.Cli;

/// <summary>The checks of options several verbs share (<c>run</c>, <c>replay</c>, <c>hunt</c>, <c>check</c>): one message each, everywhere.</summary>
internal static class OptionChecks
{
    public static int Vcpus(int n) => n is >= 1 and <= 4096 ? n : throw new CliUserError($"--vcpus: expected 1..4096, got {n}");

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

    /// <summary>
    /// An output file (<c>--trace</c>) is checked by opening it for writing before anything runs: an empty name, a
    /// directory, a FIFO (opening one would wait for a reader), a missing directory or no permission is a one-line
    /// error now, not a crash after the work. A write that fails later (<c>/dev/full</c>) is <see cref="TryWrite"/>'s.
    /// </summary>
    public static string? TracePath(string? path, string option = "--trace")
    {
        if (path is null) return null;
        if (path.Length == 0) throw new CliUserError($"{option}: expected a file name, got ''");
        var (kind, what, _, _) = InputFiles.Stat(path);
        if (kind == InputFiles.Kind.Directory) throw new CliUserError($"{option}: {path} is a directory");
        if (what == "a FIFO") throw new CliUserError($"{option}: {path} is a FIFO (it would wait for a reader)");
        if (!Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(path)))) throw new CliUserError($"{option}: no such directory for {path}");
        try
        {
            using var probe = new FileStream(path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliUserError($"{option}: cannot write {path}: {e.Message.ReplaceLineEndings(" ")}");
        }
        return path;
    }

    /// <summary>A directory outputs are saved into (<c>--schedule-dir</c>): it exists and a file can be created in it, checked before the work.</summary>
    public static string ScheduleDir(string dir, string option = "--schedule-dir")
    {
        if (InputFiles.Stat(dir).Kind != InputFiles.Kind.Directory) throw new CliUserError($"{option}: no such directory: {dir}");
        try
        {
            using var probe = new FileStream(Path.Combine(dir, $".actorkvm-probe-{Environment.ProcessId}"), FileMode.Create, FileAccess.Write, FileShare.None, 1, FileOptions.DeleteOnClose);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliUserError($"{option}: cannot write into {dir}: {e.Message.ReplaceLineEndings(" ")}");
        }
        return dir;
    }

    /// <summary>
    /// Writes an output after the work; a failure (disk full, <c>/dev/full</c>, a file removed meanwhile) is one line on
    /// stderr and false, so the verb still prints its summary and then exits 2. The results on stdout are not lost.
    /// </summary>
    public static bool TryWrite(CliIo io, string option, string path, Action write)
    {
        try
        {
            write();
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            io.Err.WriteLine($"actorkvm: error: {option}: writing {path} failed: {e.Message.ReplaceLineEndings(" ")}");
            return false;
        }
    }
}
