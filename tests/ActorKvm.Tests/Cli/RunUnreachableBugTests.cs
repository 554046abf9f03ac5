using System.Text.Json;
using ActorKvm.Engine.Exploration;
using ActorKvm.Model.Bugs;
using ActorKvm.Stress.Cli;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Cli;

/// <summary>
/// <c>run --bug NAME</c> for a switch no faithful workload reaches: one line saying why, then the switch's catalog scenario
/// (built into actorkvm) on the seeded scenario runner, its violation reported and a replay that reproduces it byte for byte.
/// </summary>
public class RunUnreachableBugTests
{
    private const string Bug = "host-pt-walk-unprotected";

    private static JsonElement Json(CliHarness cli, int exitCode, params string[] args)
    {
        var (code, stdout, err) = cli.Run([.. args, "--json"]);
        Assert.True(code == exitCode, err);
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }

    [Fact]
    public void UnreachableBug_SaysWhyInOneLine_RunsItsCatalogScenario_AndReportsTheViolationWithExit1()
    {
        // The harness runs in a temporary directory without the repository's scenarios: the built-in copy is used.
        using var cli = new CliHarness();
        var (code, stdout, err) = cli.Run("run", "--bug", Bug, "--duration", "10s", "--seed", "7");

        Assert.True(code == 1, err);
        var lines = CliHarness.Lines(stdout);
        Assert.Equal($"actorkvm run: {Bug} cannot arise from the running workload: {BugCatalog.Find(Bug)!.Unreachable}", lines[0]);
        Assert.Contains($"its catalog scenario {Bug} (scenarios/bugs/{Bug}.hocon, built into actorkvm)", lines[1]);
        Assert.StartsWith("violations: freed-host-table-read, stale-mapping", lines[2]);
        Assert.Equal($"seed 7; replay: actorkvm run --bug {Bug} --seed 7", lines[^1]);
    }

    [Fact]
    public void TheReplay_ReproducesTheRunByteForByte_AsDoesTheScenarioFileWithThatSeed()
    {
        using var cli = new CliHarness();
        var run = Json(cli, 1, "run", "--bug", Bug, "--seed", "7");
        var replay = Json(cli, 1, [.. run.GetProperty("replay").GetString()!.Split(' ')[1..]]);
        // The file expects the violation: as a scenario it passes, with the same trace.
        var file = Json(cli, 0, "run", Path.Combine(RepoPaths.Scenarios, "bugs", $"{Bug}.hocon"), "--seed", "7");

        Assert.Contains("freed-host-table-read", run.GetProperty("violations").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(BugCatalog.Find(Bug)!.Unreachable, run.GetProperty("unreachable_from_workload").GetString());
        Assert.Equal(run.GetProperty("trace_sha256").GetString(), replay.GetProperty("trace_sha256").GetString());
        Assert.Equal(run.GetProperty("trace_sha256").GetString(), file.GetProperty("trace_sha256").GetString());
    }

    [Fact]
    public void EveryModelledSwitch_HasItsCatalogScenarioPairBuiltIn()
    {
        foreach (var bug in BugCatalog.All.Where(b => b.Modelled).Select(b => b.Name))
            foreach (var name in new[] { bug, $"{bug}-fixed" })
                Assert.Equal(File.ReadAllText(Path.Combine(RepoPaths.Scenarios, "bugs", $"{name}.hocon")), BugScenarios.Text(name));
    }
}
