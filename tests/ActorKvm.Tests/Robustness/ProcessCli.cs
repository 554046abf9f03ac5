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
        var psi = new ProcessStartInfo("/bin/sh", ["-c", script])
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
        p.StandardInput.Close();
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(timeout ?? TimeSpan.FromSeconds(60)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"'{script}' did not end within {(timeout ?? TimeSpan.FromSeconds(60)).TotalSeconds} s");
        }
        return (p.ExitCode, stdout.Result, stderr.Result);
    }

    /// <summary>Quotes <paramref name="s"/> for sh.</summary>
    public static string Q(string s) => "'" + s.Replace("'", "'\\''") + "'";
}
