using System.Text.Json;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Cli;

/// <summary>
/// <c>run SCENARIO --seed N</c>: the seeded dispatcher orders the scenario's async steps — the same seed writes the same
/// trace bytes, other seeds explore other orders — expectations are checked as in <c>check</c>, and a bad scenario or
/// option is one line, exit 2.
/// </summary>
public class RunScenarioTests
{
    private static readonly string Shipped = Path.Combine(RepoPaths.Scenarios, "race-async-writes-while-host-migrates.hocon");

    private static JsonElement Run(CliHarness cli, string scenario, int seed, params string[] extra)
    {
        var (code, stdout, err) = cli.Run(["run", scenario, "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture), "--json", "--quiet", .. extra]);
        Assert.True(code is 0 or 1, err);
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    [Fact]
    public void AsyncSteps_SameSeedSameTraceBytes_OtherSeedsOtherOrders_AllPass()
    {
        using var cli = new CliHarness();
        string TraceFile(int seed, string name)
        {
            var path = Path.Combine(cli.Root, name);
            Assert.True(Run(cli, Shipped, seed, "--trace", path).GetProperty("passed").GetBoolean());
            return Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));
        }

        Assert.Equal(TraceFile(3, "a.json"), TraceFile(3, "b.json"));
        var hashes = Enumerable.Range(1, 8).Select(s => Run(cli, Shipped, s)).ToList();
        Assert.All(hashes, h => Assert.True(h.GetProperty("passed").GetBoolean(), h.TryGetProperty("failure", out var f) ? f.GetString() : null));
        Assert.True(hashes.Select(h => h.GetProperty("trace_sha256").GetString()).Distinct().Count() > 1, "every seed gave the same order");
    }

    [Fact]
    public void AFailedExpectation_IsAFailLineWithTheSeed_Exit1()
    {
        using var cli = new CliHarness();
        var file = cli.Write("wrong.hocon", File.ReadAllText(Shipped).Replace("expect { value = 9 } }", "expect { value = 8 } }", StringComparison.Ordinal));
        var (code, stdout, _) = cli.Run("run", file, "--seed", "5", "--quiet");
        Assert.Equal(1, code);
        Assert.Contains("FAIL race-async-writes-while-host-migrates: steps[6].expect.value: expected 8, got 9", stdout);
        Assert.Contains($"replay: actorkvm run {file} --seed 5", stdout);
    }

    [Fact]
    public void BadScenariosAndOptions_AreOneLineErrorsWithExit2()
    {
        using var cli = new CliHarness();
        var broken = cli.Write("broken.hocon", "name = \"x\"\nsteps = [ { op = access, vcpu = 0, gpa = \"0x40000000\", kind = fly } ]\n");
        foreach (var args in new[]
        {
            new[] { "run", broken },
            ["run", Path.Combine(cli.Root, "missing.hocon")],
            ["run", Shipped, "--vcpus", "4"],
            ["run", Shipped, "--bug", "no-such-bug"],
        })
        {
            var (code, _, err) = cli.Run(args);
            Assert.True(code == 2, string.Join(' ', args) + ": " + err);
            Assert.StartsWith("actorkvm: error: ", Assert.Single(CliHarness.Lines(err)));
        }
    }
}
