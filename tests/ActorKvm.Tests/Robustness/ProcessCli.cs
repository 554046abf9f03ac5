using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace ActorKvm.Tests.Robustness;

/// <summary>
/// Runs the built <c>actorkvm</c> program as a real process (the apphost copied next to the tests), for what only a
/// process shows: exit codes with closed or full streams, signals, another user, memory and time bounds. A child never
/// outlives its bound (coreutils <c>timeout</c> kills it even when the test run itself dies) and never inherits a
/// descriptor (the shared CPU lock is a <c>flock</c> descriptor a test run may hold).
/// </summary>
internal static class ProcessCli
{
    public static string Program => Path.Combine(AppContext.BaseDirectory, "actorkvm");

    /// <summary>The longest any child lives, whatever its caller waits: the kill comes from outside the test host.</summary>
    private static readonly TimeSpan LifeBound = TimeSpan.FromSeconds(150);

    static ProcessCli() => InheritNothing();

    /// <summary>
    /// Runs <c>sh -c SCRIPT</c> with <c>$ACTORKVM</c> naming the program; returns the exit code and both streams. The
    /// child is killed when it has not ended within <paramref name="timeout"/> (45 s unless given).
    /// </summary>
    public static (int Code, string Out, string Err) Shell(string script, string? workingDirectory = null, TimeSpan? timeout = null)
    {
        var bound = timeout ?? TimeSpan.FromSeconds(45);
        var psi = Bounded(bound, ["/bin/sh", "-c", script]);
        psi.RedirectStandardInput = true;
        psi.WorkingDirectory = workingDirectory ?? Path.GetTempPath();
        psi.Environment["DOTNET_gcServer"] = "0";
        using var p = Process.Start(psi)!;
        try
        {
            p.StandardInput.Close();
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(bound)) throw new TimeoutException($"'{script}' did not end within {bound.TotalSeconds} s");
            return (p.ExitCode, stdout.Result, stderr.Result);
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }

    /// <summary>
    /// Starts <c>actorkvm ARGS</c> under <c>timeout</c>, which passes SIGINT and SIGTERM on to the program and exits with
    /// its code; the caller bounds its waits and kills the process on every path.
    /// </summary>
    public static Process Start(IEnumerable<string> args) => Process.Start(Bounded(LifeBound, [Program, .. args]))!;

    /// <summary>Quotes <paramref name="s"/> for sh.</summary>
    public static string Q(string s) => "'" + s.Replace("'", "'\\''") + "'";

    private static ProcessStartInfo Bounded(TimeSpan bound, string[] command)
    {
        var life = (int)Math.Min(bound.TotalSeconds + 10, LifeBound.TotalSeconds);
        var psi = new ProcessStartInfo("timeout", ["-k", "5", life.ToString(CultureInfo.InvariantCulture), .. command])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        psi.Environment["ACTORKVM"] = Program;
        return psi;
    }

    /// <summary>
    /// Marks every descriptor above stderr close-on-exec: .NET opens its own that way, but one the test run inherited
    /// (a <c>flock</c> lock) would pass to every child, and a child that outlived its test would hold the lock.
    /// </summary>
    private static void InheritNothing()
    {
        foreach (var entry in Directory.GetFileSystemEntries("/proc/self/fd"))
            if (int.TryParse(Path.GetFileName(entry), NumberStyles.None, CultureInfo.InvariantCulture, out var fd) && fd > 2)
                _ = FcntlSetFD(fd, CloseOnExec); // a descriptor closed since the listing (the listing's own) fails harmlessly
    }

    private const int CloseOnExec = 1; // PAL_FD_CLOEXEC

    // .NET's own native shim, as InputFiles uses for stat: no libc name resolution to depend on.
    [DllImport("libSystem.Native", EntryPoint = "SystemNative_FcntlSetFD")]
    private static extern int FcntlSetFD(nint fd, int flags);
}
