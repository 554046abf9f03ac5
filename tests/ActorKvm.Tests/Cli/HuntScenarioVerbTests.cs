using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Stress;
using ActorKvm.Stress.Cli;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Cli;

/// <summary><c>hunt SCENARIO</c>: exhaustive exploration, the counterexample file, and <c>check</c> on it.</summary>
public class HuntScenarioVerbTests
{
    private static readonly string TwoActivityRace = Path.Combine(RepoPaths.Scenarios, "race-async-write-while-host-migrates-page.hocon");

    private static (int Code, string Out, string Err) Run(string dir, params string[] args)
    {
        var (o, e) = (new StringWriter(), new StringWriter());
        var code = Program.Run(args, o, e, new CliContext(ScenarioExecutors.Find, dir));
        return (code, o.ToString(), e.ToString());
    }

    [Fact]
    public void HuntScenario_WithoutABug_SaysEveryInterleavingRan_AndExits1()
    {
        var dir = Directory.CreateTempSubdirectory("actorkvm-hunt-").FullName;
        var (code, stdout, err) = Run(dir, "hunt", TwoActivityRace, "--budget", "100000", "--schedule-dir", dir);
        Assert.True(code == 1, err + stdout);
        Assert.Matches(@"explored (\d+) of \1 distinct interleavings \(reduced space, exhausted: all ran\)", stdout);
        Assert.Contains("no violation in any interleaving", stdout);
        Assert.Contains("retries bounded at 3 per access", stdout);
        Assert.Empty(Directory.GetFiles(dir));
    }

    [Fact]
    public void HuntScenario_WithTheBug_WritesACounterexample_ThatCheckFailsWithTheSameViolation()
    {
        var dir = Directory.CreateTempSubdirectory("actorkvm-hunt-").FullName;
        var (code, stdout, err) = Run(dir, "hunt", TwoActivityRace, "--bug", "retry-ignores-in-progress", "--schedule-dir", dir);
        Assert.True(code == 0, err + stdout);
        Assert.Contains("check reproduces it", stdout);
        var found = CliHarness.Lines(stdout).Single(l => l.Contains(": found after ", StringComparison.Ordinal));
        var violation = found[(found.IndexOf("): ", StringComparison.Ordinal) + 3)..];
        Assert.StartsWith("map-during-invalidation", violation); // the general rule fires at the map, before the stale leaf is seen
        var file = Path.Combine(dir, "actorkvm-hunt-race-async-write-while-host-migrates-page.hocon");
        Assert.True(File.Exists(file));

        var (ccode, cout, cerr) = Run(dir, "check", file);
        Assert.True(ccode == 1, cerr + cout);
        Assert.Contains("; oracle: " + violation, cout);
    }

    [Fact]
    public void HuntScenario_WorkloadOptionsAndBadRetryBoundsAreOneLineErrors()
    {
        var dir = Directory.CreateTempSubdirectory("actorkvm-hunt-").FullName;
        var (code, _, err) = Run(dir, "hunt", TwoActivityRace, "--strategy", "pct");
        Assert.Equal(2, code);
        Assert.Equal("actorkvm: error: --strategy: not with a scenario (a scenario hunt explores its interleavings exhaustively)", err.Trim());
        (code, _, err) = Run(dir, "hunt", TwoActivityRace, "--max-retries", "-1");
        Assert.Equal(2, code);
        Assert.Contains("--max-retries: expected 0..100", err);
        (code, _, err) = Run(dir, "hunt", "--max-retries", "2");
        Assert.Equal(2, code);
        Assert.Contains("--max-retries: only with a scenario", err);
        (code, _, err) = Run(dir, "hunt", Path.Combine(dir, "missing.hocon"));
        Assert.Equal(2, code);
        Assert.Contains("no such file", err);
    }
}
