using System.Security.Cryptography;
using System.Text.Json;

namespace ActorKvm.Tests.Cli;

/// <summary><c>actorkvm run --protected</c> and <c>--nested</c>: the options' rules and seeded replay.</summary>
public class RunProtectedNestedTests
{
    private static readonly string[] Small = ["--vcpus", "2", "--memory", "8M", "--faults", "600", "--quiet"];

    [Theory]
    [InlineData("--nested", "--protected", "--nested")]
    [InlineData("--dirty-log", "--protected", "--dirty-log", "true")]
    [InlineData("--memslot-churn", "--protected", "--memslot-churn", "true")]
    public void ProtectedWithWhatPkvmRefuses_IsOneLineErrorNamingTheOptionWithExit2(string option, params string[] args)
    {
        using var cli = new CliHarness();
        var (code, _, err) = cli.Run(["run", "--deterministic", .. args, .. Small]);
        Assert.Equal(2, code);
        var line = Assert.Single(CliHarness.Lines(err));
        Assert.StartsWith($"actorkvm: error: {option}: a protected VM", line);
    }

    [Fact]
    public void ProtectedWithDirtyLogAndChurnTurnedOff_Runs()
    {
        using var cli = new CliHarness();
        var (code, stdout, err) = cli.Run(["run", "--deterministic", "--seed", "2", "--protected", "--dirty-log", "false", "--memslot-churn", "false", "--json", .. Small]);
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        Assert.Equal(0, doc.RootElement.GetProperty("memslot_ops").GetInt64());
    }

    [Theory]
    [InlineData("--protected")]
    [InlineData("--nested")]
    public void DeterministicKnobRun_SameSeedWritesByteIdenticalTraces(string knob)
    {
        using var cli = new CliHarness();
        string Hash(string file)
        {
            var path = Path.Combine(cli.Root, file);
            var (code, _, err) = cli.Run(["run", "--deterministic", "--seed", "5", knob, "--trace", path, .. Small]);
            Assert.True(code == 0, err);
            return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
        }

        var plain = Path.Combine(cli.Root, "plain.json");
        Assert.Equal(0, cli.Run(["run", "--deterministic", "--seed", "5", "--trace", plain, .. Small]).Code);
        var first = Hash("a.json");
        Assert.Equal(first, Hash("b.json"));
        Assert.NotEqual(Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(plain))), first); // the knob changed the run
    }

    [Fact]
    public void NestedRunWithABug_PrintsAReplayCommandThatKeepsTheKnob()
    {
        using var cli = new CliHarness();
        var (code, stdout, _) = cli.Run(["run", "--deterministic", "--seed", "5", "--vcpus", "1", "--faults", "3000", "--invalidate-every", "2",
            "--nested", "--bug", "retry-ignores-in-progress"]);
        Assert.Equal(1, code);
        var replay = Assert.Single(CliHarness.Lines(stdout), l => l.StartsWith("seed 5; replay: ", StringComparison.Ordinal));
        Assert.Contains(" --nested", replay);
    }
}
