using System.Diagnostics;

namespace ActorKvm.Tests.Robustness;

/// <summary>
/// Defects 7 and 17, and closed or full standard streams (defect 10): real processes, because only they have signals
/// and file descriptors to close.
/// </summary>
public class InterruptTests
{
    /// <summary>Starts <paramref name="args"/>, waits for the first stdout line, sends SIGINT; returns exit code and streams.</summary>
    private static (int Code, string Out, string Err) InterruptAfterFirstLine(params string[] args)
    {
        using var p = ProcessCli.Start(args);
        try
        {
            // Bounded waits everywhere, and the child killed on every path: a child left running would hold whatever
            // its parent held (the shared CPU lock's file descriptor among them).
            var firstLine = p.StandardOutput.ReadLineAsync();
            Assert.True(firstLine.Wait(TimeSpan.FromSeconds(40)), "no first line within 40 s");
            Assert.NotNull(firstLine.Result);
            using (var kill = Process.Start("kill", ["-INT", p.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])) kill.WaitForExit();
            var rest = p.StandardOutput.ReadToEndAsync();
            var err = p.StandardError.ReadToEndAsync();
            Assert.True(p.WaitForExit(TimeSpan.FromSeconds(40)), "did not stop within 40 s of Ctrl-C");
            return (p.ExitCode, firstLine.Result + "\n" + rest.Result, err.Result);
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
        }
    }

    [Fact(Timeout = 120000)]
    public async Task CtrlC_DuringHuntAllBugs_SaysHowManyWereHunted_AndExits130()
    {
        // Defect 17: it printed "2 of 2 found" and exited 0 although 22 switches were never hunted.
        var (code, stdout, err) = await Task.Run(() => InterruptAfterFirstLine("hunt", "--all-bugs", "--budget", "20s", "--seed", "1"));
        Assert.True(code == 130, $"exit {code}: {stdout}{err}");
        Assert.Matches(@"actorkvm hunt: interrupted: \d+ found, \d+ of \d+ hunted to the end", err);
    }

    [Fact(Timeout = 120000)]
    public async Task DeterministicRunWithTheLargestFaultCount_Runs_AndStopsOnCtrlC()
    {
        // Defect 7: long.MaxValue was the internal "unbounded" sentinel and the deterministic run refused it with a crash.
        var (code, stdout, err) = await Task.Run(() => InterruptAfterFirstLine("run", "--deterministic", "--faults", "9223372036854775807", "--seed", "1"));
        Assert.True(code is 0 or 1, $"exit {code}: {stdout}{err}");
        Assert.Contains("summary", stdout);
        Assert.DoesNotContain("Exception", err);
    }

    public static TheoryData<string> Commands => new()
    {
        "bugs", "--help", "check SCENARIOS/migrate-before-pin-remaps-new-page.hocon",
        "run --deterministic --faults 200 --seed 1 --quiet", "replay --seed 1 --faults 20", "run --vcpus 0",
    };

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Commands))]
    public async Task ClosedOrFullStdout_IsExit2WithOneLine_NotACrash(string command)
    {
        // Defect 10: a closed or full stdout crashed 13 of 15 commands with a stack trace (exit 134).
        var args = command.Replace("SCENARIOS", Support.RepoPaths.Scenarios);
        foreach (var redirect in new[] { ">&-", "> /dev/full" })
        {
            var (code, _, err) = await Task.Run(() => ProcessCli.Shell($"\"$ACTORKVM\" {args} {redirect}"));
            Assert.True(code is 1 or 2, $"{command} {redirect}: exit {code}: {err}");
            Assert.DoesNotContain("   at ", err);
            Assert.True(CliHarnessLines(err) is [] or [_], $"{command} {redirect}: {err}");
        }
    }

    [Theory(Timeout = 120000)]
    [MemberData(nameof(Commands))]
    public async Task ClosedOrFullStderr_DoesNotCrash(string command)
    {
        var args = command.Replace("SCENARIOS", Support.RepoPaths.Scenarios);
        foreach (var redirect in new[] { "2>&-", "2> /dev/full" })
        {
            var (code, stdout, _) = await Task.Run(() => ProcessCli.Shell($"\"$ACTORKVM\" {args} {redirect}"));
            Assert.True(code is 0 or 1 or 2, $"{command} {redirect}: exit {code}: {stdout}");
            Assert.DoesNotContain("Unhandled exception", stdout);
        }
    }

    private static string[] CliHarnessLines(string text) => Cli.CliHarness.Lines(text);
}
