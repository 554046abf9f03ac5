namespace ActorKvm.Tests.Cli;

public class DiffVerbTests
{
    [Fact]
    public void DiffWithoutSetup_IsOneLineSayingToRunSetupAndExit2()
    {
        using var cli = new CliHarness();
        var (code, _, err) = cli.Run("diff");
        Assert.Equal(2, code);
        var line = Assert.Single(CliHarness.Lines(err));
        Assert.StartsWith("actorkvm: error: set-up missing", line);
        Assert.EndsWith("run kvm/setup.sh", line);
    }

    [Fact]
    public void NegativeRandomCount_IsABadOption()
    {
        using var cli = new CliHarness();
        var (code, _, err) = cli.Run("diff", "--random", "-3");
        Assert.Equal(2, code);
        Assert.Contains("--random", err);
    }
}
