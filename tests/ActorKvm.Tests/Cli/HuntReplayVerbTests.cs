using ActorKvm.Engine.Exploration;
using ActorKvm.Model.Bugs;
using ActorKvm.Stress.Verbs;

namespace ActorKvm.Tests.Cli;

/// <summary><c>hunt</c> and <c>replay</c>: byte-identical replays, the hunt's printed replay command, option errors.</summary>
public class HuntReplayVerbTests
{
    [Fact]
    public void Replay_SameInputsPrintTheSameBytes()
    {
        using var cli = new CliHarness();
        var a = cli.Run("replay", "--seed", "17", "--faults", "60");
        var b = cli.Run("replay", "--seed", "17", "--faults", "60");
        Assert.Equal(0, a.Code);
        Assert.Equal(a.Out, b.Out);
        Assert.EndsWith("violations 0\n", a.Out);
        Assert.NotEqual(a.Out, cli.Run("replay", "--seed", "18", "--faults", "60").Out);
    }

    [Fact]
    public void Hunt_FindsTheBug_AndItsPrintedReplayReproducesIt()
    {
        using var cli = new CliHarness();
        var (code, stdout, err) = cli.Run("hunt", "--bug", "retry-ignores-in-progress", "--seed", "1", "--budget", "500", "--schedule-dir", cli.Root, "--quiet");
        Assert.True(code == 0, err + stdout);
        var replay = CliHarness.Lines(stdout).Single(l => l.StartsWith("replay: actorkvm replay ", StringComparison.Ordinal))["replay: actorkvm ".Length..];
        var (rcode, rout, _) = cli.Run(replay.Split(' '));
        Assert.Equal(1, rcode);
        Assert.Contains("violations ", rout);
        Assert.DoesNotContain("violations 0\n", rout);
    }

    [Fact]
    public void AHuntsSchedule_ReplaysWithTheFileAlone_AsTheSpelledOutCommandDoes()
    {
        using var cli = new CliHarness();
        var (code, stdout, err) = cli.Run("hunt", "--bug", "retry-ignores-in-progress", "--seed", "1", "--budget", "500", "--schedule-dir", cli.Root, "--quiet");
        Assert.True(code == 0, err + stdout);
        var replay = CliHarness.Lines(stdout).Single(l => l.StartsWith("replay: actorkvm replay ", StringComparison.Ordinal))["replay: actorkvm ".Length..].Split(' ');
        Assert.Equal(["replay", "--schedule"], replay[..2]);
        Assert.Equal(3, replay.Length);

        // The same run as before the file carried its options: the choices alone, every option given again.
        var saved = ActorKvm.Stress.Schedules.ScheduleFile.Load(replay[2]);
        var choices = cli.Write("choices.txt", string.Join(',', saved.Choices));
        var spelledOut = HuntVerb.ReplayCommand(saved.Header.Bugs, saved.Header.Seed, saved.Header.Workload, choices).Split(' ')[1..];
        var (alone, spelled) = (cli.Run([.. replay, "--go-on"]), cli.Run([.. spelledOut, "--go-on"]));
        Assert.Equal((1, 1), (alone.Code, spelled.Code));
        Assert.Equal(spelled.Out, alone.Out);
        Assert.Equal(2, cli.Run([.. replay, "--seed", "1"]).Code);
    }

    [Fact]
    public void Replay_StopsPrintingAtTheFirstViolation_UnlessGoOn()
    {
        using var cli = new CliHarness();
        var (_, stdout, _) = cli.Run("hunt", "--bug", "retry-ignores-in-progress", "--seed", "1", "--budget", "500", "--schedule-dir", cli.Root, "--quiet");
        var replay = CliHarness.Lines(stdout).Single(l => l.StartsWith("replay: actorkvm replay ", StringComparison.Ordinal))["replay: actorkvm ".Length..].Split(' ');
        var (code, shortOut, _) = cli.Run(replay);
        var (goOnCode, fullOut, _) = cli.Run([.. replay, "--go-on"]);
        Assert.Equal((1, 1), (code, goOnCode));
        Assert.Contains("... stopped at the first violation (delivery ", shortOut);
        Assert.True(CliHarness.Lines(shortOut).Length < CliHarness.Lines(fullOut).Length);
        Assert.Equal(CliHarness.Lines(fullOut)[^1], CliHarness.Lines(shortOut)[^1]); // the same verdict
        // The JSON hash is the whole trace's, with or without --go-on.
        Assert.Equal(cli.Run([.. replay, "--json"]).Out, cli.Run([.. replay, "--json", "--go-on"]).Out);
    }

    [Fact]
    public void AllBugs_ExitsZeroWhenEverythingReachableWasFound_AndOneOnAReachableMiss()
    {
        var found = new HuntResult(new ActorKvm.Model.Oracle.Violation(ActorKvm.Model.Oracle.ViolationKind.StaleMapping, "x", null), 1, 1, TimeSpan.Zero, 1, []);
        var missed = new HuntResult(null, 1, 100, TimeSpan.Zero, 0, null);
        var unreachable = BugCatalog.All.Single(b => b.Unreachable is not null).Name;
        Assert.Equal(0, HuntVerb.ExitCode([("retry-ignores-in-progress", found), (unreachable, missed)], all: true));
        Assert.Equal(1, HuntVerb.ExitCode([("retry-ignores-in-progress", missed), (unreachable, missed)], all: true));
        // Hunting the unreachable switch by name still reports the miss.
        Assert.Equal(1, HuntVerb.ExitCode([(unreachable, missed)], all: false));
    }

    [Theory]
    [InlineData("hunt", "--budget", "soon")]
    [InlineData("hunt", "--strategy", "dfs")]
    [InlineData("hunt", "--depth", "0")]
    [InlineData("hunt", "--bug", "no-such-bug")]
    [InlineData("hunt", "--all-bugs", "--bug", "retry-ignores-in-progress")]
    [InlineData("replay", "--seed", "1", "--schedule", "/no/such.schedule")]
    public void BadOptions_AreOneLineErrorsWithExit2(params string[] args)
    {
        using var cli = new CliHarness();
        var (code, _, err) = cli.Run(args);
        Assert.Equal(2, code);
        Assert.StartsWith("actorkvm: error: --", Assert.Single(CliHarness.Lines(err)));
    }
}
