using System.Text.Json;

namespace ActorKvm.Tests.Cli;

/// <summary>
/// Configuration layers for <c>run</c>: <c>akka.hocon</c>'s <c>actorkvm.run</c> defaults, then <c>--config FILE</c>, then
/// the options on the command line; a bad file or value is one line, exit 2.
/// </summary>
public class RunConfigTests
{
    private static string Header(string stdout) => CliHarness.Lines(stdout)[0];

    [Fact]
    public void ConfigFileOverridesAkkaHocon_AndOptionsOverrideTheConfigFile()
    {
        using var cli = new CliHarness();
        var config = cli.Write("layer.hocon", "actorkvm.run { vcpus = 3, memory = 16M, dirty-log = off }\n");
        string[] run = ["run", "--deterministic", "--seed", "1", "--faults", "100"];

        Assert.Contains(", 4 vCPUs, 64M over", Header(cli.Run(run).Out));
        var layered = cli.Run([.. run, "--config", config]);
        Assert.Contains(", 3 vCPUs, 16M over", Header(layered.Out));
        Assert.Contains(", 2 vCPUs, 16M over", Header(cli.Run([.. run, "--config", config, "--vcpus", "2"]).Out));
        // dirty-log off came from the file: no memslot flips of the first slot, so nothing harvested.
        Assert.Contains("0 harvested", layered.Out);
    }

    [Fact]
    public void RecordingDefault_IsAutoByVcpus_AndTheConfigFileCanTurnItOn()
    {
        using var cli = new CliHarness();
        var on = cli.Write("on.hocon", "actorkvm.run.record = on\n");
        string[] run = ["run", "--vcpus", "8", "--memory", "16M", "--faults", "300", "--duration", "60s", "--json", "--quiet"];

        bool Recorded(params string[] extra) => JsonDocument.Parse(cli.Run([.. run, .. extra]).Out).RootElement.TryGetProperty("recorded_deliveries", out _);

        Assert.False(Recorded());
        Assert.True(Recorded("--config", on));
        Assert.False(Recorded("--config", on, "--record", "false"));
    }

    [Theory]
    [InlineData("actorkvm.run { vcpus = lots }\n", "run")]
    [InlineData("actorkvm.run { record = sometimes }\n", "run")]
    [InlineData("actorkvm.run { vcpus = 3\n", "run")]
    [InlineData("actorkvm.run { vcpus = 3\n", "bugs")] // an unparsable file concerns every verb
    public void BadConfigFiles_AreOneLineErrorsWithExit2(string text, string verb)
    {
        using var cli = new CliHarness();
        var config = cli.Write("bad.hocon", text);
        var (code, _, err) = verb == "run" ? cli.Run("run", "--deterministic", "--faults", "10", "--config", config) : cli.Run(verb, "--config", config);
        Assert.Equal(2, code);
        Assert.StartsWith("actorkvm: error: --config: ", Assert.Single(CliHarness.Lines(err)));
    }
}
