using System.Security.Cryptography;
using System.Text.Json;

namespace ActorKvm.Tests.Cli;

/// <summary><c>actorkvm run</c>: deterministic replay from a seed, the JSON summary, the trace file, and option errors.</summary>
public class RunVerbTests
{
    private static readonly string[] Small = ["--vcpus", "2", "--memory", "8M", "--faults", "600", "--quiet"];

    [Fact]
    public void DeterministicRun_SameSeedWritesByteIdenticalTraces_OtherSeedDiffers()
    {
        using var cli = new CliHarness();
        string Hash(string seed, string file)
        {
            var path = Path.Combine(cli.Root, file);
            var (code, _, err) = cli.Run(["run", "--deterministic", "--seed", seed, "--trace", path, .. Small]);
            Assert.True(code == 0, err);
            return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(path)));
        }

        Assert.Equal(Hash("11", "a.json"), Hash("11", "b.json"));
        Assert.NotEqual(Hash("11", "a.json"), Hash("12", "c.json"));
    }

    [Fact]
    public void Json_IsOneObjectWithFaultsViolationsAndScheduleFigures()
    {
        using var cli = new CliHarness();
        var (code, stdout, _) = cli.Run(["run", "--deterministic", "--seed", "3", "--json", .. Small]);

        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.True(root.GetProperty("faults").GetInt64() >= 600);
        Assert.Equal(0, root.GetProperty("violations").GetArrayLength());
        Assert.Equal(3UL, root.GetProperty("seed").GetUInt64());
        Assert.True(root.GetProperty("deterministic").GetBoolean());
        Assert.True(root.GetProperty("messages_per_fault").GetDouble() > 1);
    }

    [Fact]
    public void FreeRunningTrace_ParsesBackWithOneNamedTrackPerActorAndPhaseSlices()
    {
        using var cli = new CliHarness();
        var path = Path.Combine(cli.Root, "free.json");
        var (code, _, err) = cli.Run(["run", "--trace", path, "--duration", "30s", .. Small]);
        Assert.True(code == 0, err);

        using var doc = JsonDocument.Parse(File.ReadAllBytes(path));
        var events = doc.RootElement.GetProperty("traceEvents").EnumerateArray().ToList();
        var tracks = events.Where(e => e.GetProperty("ph").GetString() == "M" && e.GetProperty("name").GetString() == "thread_name")
            .ToDictionary(e => e.GetProperty("tid").GetInt32(), e => e.GetProperty("args").GetProperty("name").GetString());
        Assert.Contains("vcpu-0", tracks.Values);
        Assert.Contains("vcpu-1", tracks.Values);
        Assert.Contains("mmu-notifier", tracks.Values);
        var slices = events.Where(e => e.GetProperty("ph").GetString() == "X").ToList();
        Assert.NotEmpty(slices);
        Assert.All(slices, s =>
        {
            Assert.True(tracks.ContainsKey(s.GetProperty("tid").GetInt32()));
            Assert.True(s.GetProperty("dur").GetInt64() >= 1);
        });
        // Flow arrows come in s/f pairs with the same id.
        var starts = events.Where(e => e.GetProperty("ph").GetString() == "s").Select(e => e.GetProperty("id").GetInt32()).ToList();
        var finishes = events.Where(e => e.GetProperty("ph").GetString() == "f").Select(e => e.GetProperty("id").GetInt32()).ToList();
        Assert.Equal(starts, finishes);
        // Every fault phase of the kernel's user_mem_abort shows up as a slice name.
        var names = slices.Select(s => s.GetProperty("name").GetString()).ToHashSet();
        Assert.Contains("pfn-faultin", names);
        Assert.Contains("map", names);
    }

    [Fact]
    public void InvalidateRate_DrivesHostOperationsOnAClock_WithDirtyLogAndChurnOff()
    {
        using var cli = new CliHarness();
        var (code, stdout, err) = cli.Run("run", "--invalidate-rate", "400/s", "--dirty-log", "false", "--memslot-churn", "false",
            "--duration", "1s", "--vcpus", "2", "--memory", "8M", "--json", "--quiet");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(stdout);
        Assert.True(doc.RootElement.GetProperty("host_ops").GetInt64() > 0);
        Assert.Equal(0, doc.RootElement.GetProperty("memslot_ops").GetInt64());
        Assert.Equal(0, doc.RootElement.GetProperty("violations").GetArrayLength());
        // The interleaving coverage: host phases ran between fault phases.
        var coverage = doc.RootElement.GetProperty("coverage");
        Assert.True(coverage.GetProperty("covered").GetInt32() > 0);
        Assert.Equal(coverage.GetProperty("covered").GetInt32(), coverage.GetProperty("pairs").GetArrayLength());
    }

    [Theory]
    [InlineData("--deterministic", "--duration", "5s")]
    [InlineData("--faults", "0")]
    [InlineData("--trace", "/no/such/dir/t.json")]
    [InlineData("--vcpus", "0")]
    [InlineData("--invalidate-rate", "fast")]
    [InlineData("--deterministic", "--invalidate-rate", "100/s")]
    [InlineData("--invalidate-every=-1")]
    public void BadRunOptions_AreOneLineErrorsWithExit2(params string[] args)
    {
        using var cli = new CliHarness();
        var (code, _, err) = cli.Run(["run", .. args]);
        Assert.Equal(2, code);
        var line = Assert.Single(CliHarness.Lines(err));
        Assert.StartsWith("actorkvm: error: --", line);
    }
}
