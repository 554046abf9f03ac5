using ActorKvm.Tests.Cli;

namespace ActorKvm.Tests.Robustness;

/// <summary>
/// Defect 3: <c>--config</c> gets the scenario loader's guards. A file that hung Akka's parser, an include, a section
/// that is not an object, a bad value or a dispatcher Akka cannot build: one line naming the file, exit 2.
/// </summary>
public class ConfigFileTests
{
    [Theory(Timeout = 60000)]
    [InlineData("include \"missing.conf\"\n", "run")]
    [InlineData("x = ${x}\n", "bugs")]
    [InlineData("actorkvm.run = 5\n", "run")]
    [InlineData("actorkvm.run.mte = maybe\n", "run")]
    [InlineData("actorkvm.run.vcpus = 99999999999999999999\n", "run")]
    [InlineData("actorkvm { run = [1, 2] }\n", "run")]
    [InlineData("akka.actor.default-dispatcher.type = NoSuchDispatcher\n", "run")]
    [InlineData("akka.actor.default-dispatcher.executor = no-such-executor\n", "run")]
    [InlineData("actorkvm.deterministic-dispatcher.mailbox-type = \"No.Such.Type, Nowhere\"\n", "run")]
    [InlineData("[1, 2]\n", "scenarios")]
    public async Task BadConfigFiles_AreOneLineErrors(string text, string verb)
    {
        using var cli = new CliHarness();
        var config = cli.Write("bad.hocon", text);
        string[] args = verb == "run"
            ? ["run", "--deterministic", "--faults", "10", "--quiet", "--config", config]
            : [verb, "--config", config];
        var (code, stdout, err) = await Task.Run(() => cli.Run(args));
        Assert.True(code == 2, $"exit {code}: {stdout}{err}");
        var line = Assert.Single(CliHarness.Lines(err));
        Assert.StartsWith("actorkvm: error: --config: ", line);
        Assert.DoesNotContain("Exception", line);
    }

    [Fact(Timeout = 60000)]
    public async Task ConfigThatHungAkkasParser_IsRead()
    {
        // Akka's parser spun forever on it (2-3 GB); it is valid HOCON: an empty list.
        using var cli = new CliHarness();
        var config = cli.Write("hang.hocon", "a = [ ${?x} ]\nactorkvm.run.vcpus = 2\n");
        var (code, stdout, err) = await Task.Run(() => cli.Run("run", "--deterministic", "--faults", "10", "--config", config));
        Assert.True(code == 0, stdout + err);
        Assert.Contains(", 2 vCPUs,", stdout);
    }

    [Fact]
    public void ConfigThatIsAFifo_IsRefused_NotWaitedOn()
    {
        using var cli = new CliHarness();
        var fifo = Path.Combine(cli.Root, "config.fifo");
        InputFileTests.MakeFifo(fifo);
        var (code, _, err) = cli.Run("bugs", "--config", fifo);
        Assert.Equal(2, code);
        Assert.Equal([$"actorkvm: error: --config: {fifo}: is a FIFO, not a regular file"], CliHarness.Lines(err));
    }
}
