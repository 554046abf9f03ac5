using System.Diagnostics;

namespace ActorKvm.Tests.Cluster;

/// <summary>
/// An <c>actorkvm</c> process (the built CLI, run with <c>dotnet</c>), its output lines collected as they come. Every
/// wait is bounded; <see cref="Dispose"/> SIGKILLs a process still running and waits a bounded time for it, so a test
/// that fails half-way leaves no process behind and never waits on one.
/// </summary>
internal sealed class NodeProcess : IDisposable
{
    private readonly Process _process;
    private readonly List<string> _stdout = [];
    private readonly List<string> _stderr = [];
    private readonly object _gate = new();
    private readonly CountdownEvent _eof = new(2); // both output streams closed

    public NodeProcess(string workingDirectory, params string[] args)
    {
        var dll = typeof(Stress.Program).Assembly.Location;
        var info = new ProcessStartInfo("dotnet") { WorkingDirectory = workingDirectory, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(dll);
        foreach (var a in args) info.ArgumentList.Add(a);
        _process = new Process { StartInfo = info };
        _process.OutputDataReceived += (_, e) => Add(_stdout, e.Data);
        _process.ErrorDataReceived += (_, e) => Add(_stderr, e.Data);
        _process.EnableRaisingEvents = true;
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public string Stdout { get { lock (_gate) return string.Join('\n', _stdout); } }

    public string Stderr { get { lock (_gate) return string.Join('\n', _stderr); } }

    /// <summary>Waits until a line (stdout or stderr) matches <paramref name="match"/>, up to <paramref name="timeout"/>; returns the line.</summary>
    public string WaitForLine(Func<string, bool> match, TimeSpan timeout, int occurrence = 1)
    {
        var deadline = DateTime.UtcNow + timeout;
        lock (_gate)
        {
            while (true)
            {
                var hits = _stderr.Concat(_stdout).Where(match).ToList();
                if (hits.Count >= occurrence) return hits[occurrence - 1];
                var left = deadline - DateTime.UtcNow;
                if (left <= TimeSpan.Zero || _process.HasExited)
                    throw new TimeoutException($"no line as expected ({(_process.HasExited ? "the process exited" : $"within {timeout}")}); stderr so far:\n{string.Join('\n', _stderr)}\nstdout:\n{string.Join('\n', _stdout)}");
                Monitor.Wait(_gate, left < TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1));
            }
        }
    }

    /// <summary>SIGKILL: no goodbye to the cluster.</summary>
    public void Kill() => _process.Kill(entireProcessTree: true);

    /// <summary>Waits up to <paramref name="timeout"/> for the process to exit and its output to be read to the end; its exit code.</summary>
    public int WaitForExit(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        if (!_process.WaitForExit(Positive(timeout))) throw new TimeoutException($"still running after {timeout}; stderr:\n{Stderr}");
        // The output's end, bounded too (an unbounded WaitForExit() would wait on any process that kept the pipes open).
        if (!_eof.Wait(Positive(deadline - DateTime.UtcNow + TimeSpan.FromSeconds(5)))) throw new TimeoutException($"exited but its output did not end; stderr:\n{Stderr}");
        return _process.ExitCode;
    }

    public void Dispose()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                _process.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // it exited between the check and the kill
        }
        finally
        {
            _process.Dispose();
        }
    }

    private static TimeSpan Positive(TimeSpan t) => t > TimeSpan.Zero ? t : TimeSpan.Zero;

    private void Add(List<string> to, string? line)
    {
        if (line is null)
        {
            _eof.Signal();
            return;
        }
        lock (_gate)
        {
            to.Add(line);
            Monitor.PulseAll(_gate);
        }
    }
}
