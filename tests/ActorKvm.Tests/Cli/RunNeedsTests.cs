using System.Security.Cryptography;
using System.Text.Json;

namespace ActorKvm.Tests.Cli;

/// <summary>
/// <c>run --mte</c>, <c>run --map-fixed</c> and what <c>run --bug NAME</c> turns on because the switch needs it
/// (<c>WorkloadNeed</c>); and the default run, which no need may change.
/// </summary>
public class RunNeedsTests
{
    private const string VmaUsed = "vma-used-after-mmap-unlock";
    // Seed 5 finds the stale VMA dereference within 1000 faults on an MTE VM (about a second), and nothing without MTE.
    private static readonly string[] MteBugRun = ["run", "--bug", VmaUsed, "--deterministic", "--seed", "5", "--faults", "1000", "--vcpus", "2", "--memory", "8M"];

    [Theory]
    [InlineData("maybe")]
    [InlineData("yes please")]
    public void MteWithABadValue_IsOneLineErrorWithExit2(string value)
    {
        using var cli = new CliHarness();
        var (code, _, err) = cli.Run("run", "--mte", value, "--deterministic", "--faults", "10");
        Assert.Equal(2, code);
        Assert.Equal($"actorkvm: error: --mte: expected true or false, got '{value}'", Assert.Single(CliHarness.Lines(err)));
    }

    [Fact]
    public void MteWithABackingThatDoesNotAllowMte_IsOneLineErrorWithExit2()
    {
        using var cli = new CliHarness();
        var (code, _, err) = cli.Run("run", "--mte", "--backing", "device", "--deterministic", "--faults", "10");
        Assert.Equal(2, code);
        Assert.Equal("actorkvm: error: --mte: backing device does not allow MTE (an MTE VM refuses its slot)", Assert.Single(CliHarness.Lines(err)));
    }

    [Fact]
    public void Mte_ComesFromAkkaHoconThenTheConfigFileThenTheOption()
    {
        using var cli = new CliHarness();
        var config = cli.Write("mte.hocon", "actorkvm.run.mte = on\n");
        string[] run = ["run", "--deterministic", "--seed", "1", "--faults", "100", "--json", "--quiet"];
        bool Mte(params string[] extra) => JsonDocument.Parse(cli.Run([.. run, .. extra]).Out).RootElement.GetProperty("mte").GetBoolean();

        Assert.False(Mte());
        Assert.True(Mte("--config", config));
        Assert.False(Mte("--config", config, "--mte", "false"));
        Assert.True(Mte("--mte"));
    }

    [Fact]
    public void BugThatNeedsAnMteVm_RunsOneSaysSoInOneLineAndReportsTheViolation()
    {
        using var cli = new CliHarness();
        var (code, stdout, _) = cli.Run(MteBugRun);

        Assert.Equal(1, code);
        var lines = CliHarness.Lines(stdout);
        Assert.EndsWith(", MTE VM", lines[0]);
        Assert.StartsWith($"actorkvm run: {VmaUsed} needs --mte true: ", lines[1]);
        Assert.Contains("freed-vma-use", stdout);
        // The replay spells the knob out, so it reproduces the run whatever the table says later.
        Assert.Contains("--bug vma-used-after-mmap-unlock", lines[^1]);
        Assert.Contains("--mte true", lines[^1]);
    }

    [Fact]
    public void BugThatNeedsAnMteVm_WithMteFalse_RunsWithoutItAndPrintsNoNote()
    {
        using var cli = new CliHarness();
        var (code, stdout, err) = cli.Run([.. MteBugRun, "--mte", "false"]);

        Assert.True(code == 0, err); // a non-MTE VM never reads VM_MTE_ALLOWED, stale or not
        Assert.DoesNotContain("needs", stdout);
        Assert.DoesNotContain("MTE VM", CliHarness.Lines(stdout)[0]);
    }

    [Fact]
    public void Json_SaysWhichNeedsWereApplied_AndPrintsNoNote()
    {
        using var cli = new CliHarness();
        var (code, stdout, err) = cli.Run([.. MteBugRun, "--json"]);

        Assert.Equal(1, code);
        Assert.DoesNotContain("needs", err);
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.True(root.GetProperty("mte").GetBoolean());
        Assert.False(root.GetProperty("map_fixed_replace").GetBoolean());
        var need = Assert.Single(root.GetProperty("needs_applied").EnumerateArray().ToList());
        Assert.Equal(VmaUsed, need.GetProperty("bug").GetString());
        Assert.Equal("--mte true", need.GetProperty("options").GetString());
    }

    [Fact]
    public void StaleVmaShiftBug_ReplacesMemoryWithMapFixed_UnlessTheOptionSaysOtherwise()
    {
        using var cli = new CliHarness();
        string[] run = ["run", "--bug", "mmu-seq-snapshot-after-vma-unlock", "--deterministic", "--seed", "1", "--faults", "100", "--json", "--quiet"];
        bool MapFixed(params string[] extra) => JsonDocument.Parse(cli.Run([.. run, .. extra]).Out).RootElement.GetProperty("map_fixed_replace").GetBoolean();

        Assert.True(MapFixed());
        Assert.False(MapFixed("--map-fixed", "false"));
    }

    [Fact]
    public void PageTouchedBug_RunsAtTheHuntsRaceDensityOnTwoVcpus_ExceptForWhatIsGiven()
    {
        using var cli = new CliHarness();
        string[] run = ["run", "--bug", "page-touched-after-mmu-unlock", "--deterministic", "--seed", "1", "--faults", "100"];

        var lines = CliHarness.Lines(cli.Run(run).Out);
        Assert.Contains(": seed 1, 2 vCPUs, 6M over ", lines[0]);
        Assert.StartsWith("actorkvm run: page-touched-after-mmu-unlock needs --memory 6M --vcpus 2 --invalidate-every 2: ", lines[1]);
        var given = CliHarness.Lines(cli.Run([.. run, "--memory", "64M", "--vcpus", "4"]).Out);
        Assert.Contains(": seed 1, 4 vCPUs, 64M over ", given[0]);
        Assert.StartsWith("actorkvm run: page-touched-after-mmu-unlock needs --invalidate-every 2: ", given[1]);
    }

    /// <summary>
    /// The default run's trace for a seed, pinned: no knob added for a bug switch may change what the default workload
    /// does. A deliberate change to the default workload or the model updates the hash (and says so in its commit).
    /// </summary>
    [Fact]
    public void DefaultDeterministicRun_TraceIsUnchanged()
    {
        using var cli = new CliHarness();
        var path = Path.Combine(cli.Root, "default.json");
        var (code, _, err) = cli.Run("run", "--deterministic", "--seed", "1", "--faults", "2000", "--trace", path, "--quiet");
        Assert.True(code == 0, err);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal("14356423DEA78DC04C150DDD30FE8C20BFB10E8F80596CCBC5B41FDEE2558744", Convert.ToHexString(SHA256.HashData(bytes)));
        // The kernel facts in the slices' args (issue 18) changed the bytes on purpose; without them — the args cut back
        // to activity and status, no violation instants, no missed-invalidation arrows — it is the trace pinned before:
        // the same slices, names and order.
        Assert.Equal("38CD1AC6803675B5E56DAC10394B4E615A3C5258D2AB1A05655DC811F9088566", Convert.ToHexString(SHA256.HashData(Tracing.TraceStripper.WithoutFacts(bytes))));
    }
}
