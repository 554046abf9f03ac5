using System.Text.Json;
using ActorKvm.Model.Oracle;
using ActorKvm.Stress.Output;
using ActorKvm.Tests.Support;

namespace ActorKvm.Tests.Cli;

/// <summary>Numbers that explain themselves: violations per subject, exits and host-op errors by cause, achieved rates, sweeps, FAIL lines.</summary>
public sealed class RunCountsTests
{
    [Fact]
    public void ViolationTally_CountsEventsPerKindAndAddress_ReportsWithoutAnAddressEachTheirOwn()
    {
        Violation V(ViolationKind k, string? subject) => new(k, "d", null) { Subject = subject };
        var tallies = ViolationTally.Of([
            V(ViolationKind.StaleMapping, "ipa 0x1000"), V(ViolationKind.StaleMapping, "ipa 0x2000"), V(ViolationKind.StaleMapping, "ipa 0x1000"),
            V(ViolationKind.LostWrite, "ipa 0x1000"), V(ViolationKind.PageRefLeak, null), V(ViolationKind.PageRefLeak, null)]);
        Assert.Equal([("stale-mapping", "ipa 0x1000", 2), ("stale-mapping", "ipa 0x2000", 1), ("lost-write", "ipa 0x1000", 1), ("page-ref-leak", null, 1), ("page-ref-leak", null, 1)],
            tallies.Select(t => (t.Kind.Name(), t.Subject, t.Events)));
    }

    [Fact]
    public void OracleReports_CarryTheirSubject()
    {
        Assert.Equal("ipa 0x40200000", ViolationSubject.Of(ViolationKind.StaleMapping, 0x4020_0000));
        Assert.Equal("pfn 0x80001", ViolationSubject.Of(ViolationKind.MteTagsLost, 0x80001));
        Assert.Null(ViolationSubject.Of(ViolationKind.StaleMapping, 0));
    }

    [Fact]
    public void CanonicalIpaNotAligned_IsCountedInSubjectsNotOnlyEvents()
    {
        using var cli = new CliHarness();
        var (code, stdout, _) = cli.Run("run", "--deterministic", "--seed", "5", "--faults", "3000", "--bug", "canonical-ipa-not-aligned", "--json", "--quiet");
        Assert.Equal(1, code);
        var root = JsonDocument.Parse(stdout).RootElement;
        var events = root.GetProperty("violations").GetArrayLength();
        var subjects = root.GetProperty("violation_subjects_count").GetInt32();
        Assert.InRange(subjects, 1, events / 2); // each stale leaf is re-reported: many events per subject
        var first = root.GetProperty("violation_subjects")[0];
        Assert.Equal("stale-mapping", first.GetProperty("kind").GetString());
        Assert.StartsWith("ipa 0x", first.GetProperty("subject").GetString());
    }

    [Fact]
    public void DefaultWorkload_EveryExitAndHostOpErrorHasAnIntendedCause()
    {
        using var cli = new CliHarness();
        var (code, stdout, _) = cli.Run("run", "--deterministic", "--seed", "1", "--faults", "20000", "--json", "--quiet");
        Assert.Equal(0, code);
        var root = JsonDocument.Parse(stdout).RootElement;
        var exits = root.GetProperty("exit_causes").EnumerateArray().ToList();
        var errors = root.GetProperty("host_op_error_causes").EnumerateArray().ToList();
        Assert.NotEmpty(exits);
        Assert.NotEmpty(errors);
        Assert.All(exits.Concat(errors), c => Assert.True(c.GetProperty("intended").GetBoolean(), c.ToString()));
        // The causes add up to the totals by exit and by errno.
        var byExit = root.GetProperty("exits").EnumerateObject().Where(p => p.Name != "ok").ToDictionary(p => p.Name, p => p.Value.GetInt64());
        Assert.Equal(byExit, exits.GroupBy(c => c.GetProperty("what").GetString()!).ToDictionary(g => g.Key, g => g.Sum(c => c.GetProperty("count").GetInt64())));
        Assert.Equal(root.GetProperty("host_op_errors").EnumerateObject().Sum(p => p.Value.GetInt64()), errors.Sum(c => c.GetProperty("count").GetInt64()));
    }

    [Theory]
    [InlineData(850, 1000, true)]
    [InlineData(901, 1000, false)]
    [InlineData(50, 0, false)]
    public void RateWarning_WhenShortByMoreThanTenPercent(double achieved, double requested, bool warns) =>
        Assert.Equal(warns, RunReport.RateWarning(achieved, requested) is not null);

    [Fact]
    public void Sweep_RunsEachVcpuCount_AndAFreeRunningSweepNeedsARate()
    {
        using var cli = new CliHarness();
        var (code, stdout, _) = cli.Run("run", "--deterministic", "--seed", "2", "--faults", "400", "--vcpus", "1,2", "--json", "--quiet");
        Assert.Equal(0, code);
        var points = JsonDocument.Parse(stdout).RootElement.GetProperty("sweep").EnumerateArray().ToList();
        Assert.Equal([1, 2], points.Select(p => p.GetProperty("vcpus").GetInt32()));
        Assert.All(points, p => Assert.True(p.GetProperty("faults").GetInt64() >= 400));
        var (bad, _, err) = cli.Run("run", "--vcpus", "1,8", "--duration", "1s");
        Assert.Equal(2, bad);
        Assert.Equal("actorkvm: error: --vcpus: a free-running sweep holds the host-operation rate fixed: give --invalidate-rate N/s", err.Trim());
        Assert.Equal(2, cli.Run("run", "--vcpus", "1,x").Code);
    }

    [Fact]
    public void FailLine_NamesTheOraclesViolation()
    {
        // The fixed twin with the switch on: its expectation fails, and the line says what the oracle saw.
        var (o, e) = (new StringWriter(), new StringWriter());
        var code = ActorKvm.Stress.Program.Run(["check", "--bug", "page-leak-on-attr-mismatch", Path.Combine(RepoPaths.Scenarios, "bugs", "page-leak-on-attr-mismatch-fixed.hocon")], o, e);
        Assert.Equal(1, code);
        Assert.Contains("; oracle: page-ref-leak: fault #", o.ToString());
    }
}
