using System.IO.Compression;
using System.Text.Json;
using ActorKvm.Stress.Schedules;

namespace ActorKvm.Tests.Cli;

/// <summary>
/// <c>run</c> on the free-running dispatcher saves its recorded schedule when it finds a violation, prints where the
/// first one appeared and a <c>replay --schedule</c> command that reaches the same violation, byte-identically each
/// time; a damaged or mismatched schedule is a one-line error, exit 2.
/// </summary>
public class RunRecordReplayTests
{
    // Fires on the first THP-backed block fault of the default mix (an ordinary fault, no race needed).
    private const string Bug = "canonical-ipa-not-aligned";

    private static (string File, string FirstViolation) RunWithBug(CliHarness cli)
    {
        var (code, stdout, err) = cli.Run("run", "--bug", Bug, "--seed", "8", "--faults", "1000", "--duration", "60s", "--quiet", "--schedule-dir", cli.Root);
        Assert.True(code == 1, err + stdout);
        var lines = CliHarness.Lines(stdout);
        var file = lines.Single(l => l.StartsWith("schedule saved: ", StringComparison.Ordinal))["schedule saved: ".Length..];
        var where = lines.Single(l => l.StartsWith("first violation during delivery ", StringComparison.Ordinal));
        Assert.Contains($"replay: actorkvm replay --schedule {file}", stdout);
        return (file, where[(where.IndexOf(": ", StringComparison.Ordinal) + 2)..]);
    }

    [Fact]
    public void FreeRunningViolation_SavesTheSchedule_AndReplayReachesTheSameViolationWithIdenticalBytes()
    {
        using var cli = new CliHarness();
        var (file, first) = RunWithBug(cli);

        var a = cli.Run("replay", "--schedule", file);
        var b = cli.Run("replay", "--schedule", file);

        Assert.Equal(1, a.Code);
        Assert.Equal(a.Out, b.Out);
        Assert.EndsWith($"; first: {first}\n", a.Out);
        var json1 = JsonDocument.Parse(cli.Run("replay", "--schedule", file, "--json").Out).RootElement;
        var json2 = JsonDocument.Parse(cli.Run("replay", "--schedule", file, "--json").Out).RootElement;
        Assert.Equal(json1.GetProperty("trace_sha256").GetString(), json2.GetProperty("trace_sha256").GetString());
        Assert.Equal(first, json1.GetProperty("first_violation").GetString());
    }

    [Fact]
    public void ARunsSchedule_IsExplainedInKernelTerms_UpToTheRecordedViolation()
    {
        using var cli = new CliHarness();
        var (file, first) = RunWithBug(cli);

        var (code, stdout, err) = cli.Run("replay", "--schedule", file, "--explain");

        Assert.True(code == 1, err);
        var story = CliHarness.Lines(stdout);
        Assert.InRange(story.Length, 2, 8);
        // The last line is the violation the run recorded, as the oracle saw it in the replay: its kind and its detail.
        var colon = first.IndexOf(": ", StringComparison.Ordinal);
        Assert.StartsWith("delivery ", story[^1]);
        Assert.Contains($"the oracle reports {first[..colon]}", story[^1]);
        Assert.EndsWith(first[colon..], story[^1]);
        // Before it, the phases in kernel terms: the access's guest physical address and the pfn stage 2 was given.
        Assert.Contains(story[..^1], l => l.Contains("gpa 0x", StringComparison.Ordinal) && l.Contains("pfn pfn:", StringComparison.Ordinal));
        Assert.Equal(stdout, cli.Run("replay", "--schedule", file, "--explain").Out);
    }

    [Fact]
    public void CleanRun_SavesNothing_AndReportsMemoryAndTheFinalCheck()
    {
        using var cli = new CliHarness();
        var (code, stdout, err) = cli.Run("run", "--seed", "3", "--faults", "2000", "--duration", "60s", "--vcpus", "2", "--memory", "8M",
            "--json", "--quiet", "--schedule-dir", cli.Root);
        Assert.True(code == 0, err);
        Assert.Empty(Directory.GetFiles(cli.Root, "*.schedule"));
        var root = JsonDocument.Parse(stdout).RootElement;
        Assert.True(root.GetProperty("recorded_deliveries").GetInt64() > 2000);
        Assert.True(root.GetProperty("rss_peak_bytes").GetInt64() >= root.GetProperty("rss_end_bytes").GetInt64());
        Assert.True(root.GetProperty("rss_start_bytes").GetInt64() > 0);
        Assert.True(root.GetProperty("pages_read_back").GetInt64() > 0);
        Assert.Equal(0, root.GetProperty("lost_writes").GetInt64());
        Assert.Contains("final check", err);
    }

    [Fact]
    public void DamagedOrMismatchedSchedules_AreOneLineErrorsWithExit2()
    {
        using var cli = new CliHarness();
        var (file, _) = RunWithBug(cli);
        var schedule = ScheduleFile.Load(file);
        var other = Path.Combine(cli.Root, "other.schedule");
        var otherSeed = schedule.Header.Seed + 1;
        (schedule with { Header = schedule.Header with { Seed = otherSeed, Workload = schedule.Header.Workload with { Seed = otherSeed } } }).Save(other);
        var cut = Path.Combine(cli.Root, "cut.schedule");
        File.WriteAllBytes(cut, File.ReadAllBytes(file)[..20]);
        var garbage = Path.Combine(cli.Root, "garbage.schedule");
        using (var gz = new GZipStream(File.Create(garbage), CompressionLevel.Fastest)) gz.Write("hello\nworld\n"u8);

        foreach (var args in new[]
        {
            new[] { "replay", "--schedule", other },
            ["replay", "--schedule", cut],
            ["replay", "--schedule", garbage],
            ["replay", "--schedule", file, "--vcpus", "3"],
            ["run", "--schedule-dir", "/no/such/dir"],
        })
        {
            var (code, _, err) = cli.Run(args);
            Assert.True(code == 2, string.Join(' ', args) + ": " + err);
            Assert.StartsWith("actorkvm: error: --", Assert.Single(CliHarness.Lines(err)));
        }
    }
}
