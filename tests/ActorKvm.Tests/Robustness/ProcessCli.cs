using System.Diagnostics;

namespace ActorKvm.Tests.Robustness;

/// <summary>
/// Runs the built <c>actorkvm</c> program as a real process (the apphost copied next to the tests), for what only a
/// process shows: exit codes with closed or full streams, signals, another user, memory and time bounds.
/// </summary>
internal static class ProcessCli
{
    public static string Program => Path.Combine(AppContext.BaseDirectory, "actorkvm");

    /// <summary>
    /// Runs <c>sh -c SCRIPT</c> with <c>$ACTORKVM</c> naming the program; returns the exit code, both streams and the
    /// child's peak RSS in KiB (from <c>/usr/bin/time</c>-free accounting: <see cref="Process.PeakWorkingSet64"/> is
    /// not kept after exit, so the script's own measurement is used where a test needs it).
    /// </summary>
    public static (int Code, string Out, string Err) Shell(string script, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var psi = new ProcessStartInfo("/bin/sh", ["-c", CloseInherited + script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Path.GetTempPath(),
        };
        psi.Environment["ACTORKVM"] = Program;
        psi.Environment["DOTNET_gcServer"] = "0";
        using var p = Process.Start(psi)!;
        try
        {
            p.StandardInput.Close();
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(45)))
                throw new TimeoutException($"'{script}' did not end within {(timeout ?? TimeSpan.FromSeconds(45)).TotalSeconds} s");
            return (p.ExitCode, stdout.Result, stderr.Result);
        }
        finally
        {
            // Never leave a child behind: it would hold what the test run holds (the shared CPU lock's descriptor).
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }

    /// <summary>
    /// Closes descriptors 3..9 (all that dash can name) before the program runs: the test run may hold a lock through one (CI's shared CPU lock
    /// is a <c>flock</c> descriptor), and a child must never carry it.
    /// </summary>
    public const string CloseInherited = "exec 3>&- 4>&- 5>&- 6>&- 7>&- 8>&- 9>&-; ";

    /// <summary>Starts <c>actorkvm ARGS</c> (through sh, which closes inherited descriptors and then becomes the program).</summary>
    public static Process Start(IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo("/bin/sh", ["-c", CloseInherited + "exec \"$ACTORKVM\" \"$@\"", "sh", .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["ACTORKVM"] = Program;
        return Process.Start(psi)!;
    }

    /// <summary>Quotes <paramref name="s"/> for sh.</summary>
    public static string Q(string s) => "'" + s.Replace("'", "'\\''") + "'";
}
