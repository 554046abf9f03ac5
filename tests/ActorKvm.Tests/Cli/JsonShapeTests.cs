using System.Text.Json;
using ActorKvm.Cluster.Coordination;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Model.Bugs;
using ActorKvm.Stress.Output;

namespace ActorKvm.Tests.Cli;

/// <summary>
/// Users' scripts read the <c>--json</c> objects of run, hunt, check and replay: their shape (member names in order,
/// nesting, the kind of every value) is pinned here on small runs, whatever writes them.
/// </summary>
public class JsonShapeTests
{
    /// <summary>Objects keyed by data (a result name, an exit reason, a reachability point): their keys are not the shape.</summary>
    private static readonly HashSet<string> Keyed = ["results", "exits", "host_op_errors", "counts", "waits_us"];

    /// <summary><c>{name:kind,...}</c>, arrays as the distinct shapes of their elements, values as n, s, b or null.</summary>
    internal static string Shape(JsonElement e, string? name = null) => e.ValueKind switch
    {
        JsonValueKind.Object when name is not null && Keyed.Contains(name) =>
            "{*:" + string.Join("|", e.EnumerateObject().Select(p => Shape(p.Value)).Distinct()) + "}",
        JsonValueKind.Object => "{" + string.Join(",", e.EnumerateObject().Select(p => $"{p.Name}:{Shape(p.Value, p.Name)}")) + "}",
        JsonValueKind.Array => "[" + string.Join("|", e.EnumerateArray().Select(x => Shape(x)).Distinct()) + "]",
        JsonValueKind.String => "s",
        JsonValueKind.Number => "n",
        JsonValueKind.True or JsonValueKind.False => "b",
        _ => "null",
    };

    internal static string ShapeOf(string json) => Shape(JsonDocument.Parse(json).RootElement);

    internal static string Run(CliHarness cli, params string[] args)
    {
        var (code, stdout, err) = cli.Run(args);
        Assert.True(code is 0 or 1, err);
        return ShapeOf(stdout);
    }

    [Fact]
    public void DeterministicRunWithViolations()
    {
        using var cli = new CliHarness();
        Assert.Equal(Pins.DeterministicRun, Run(cli, ["run", "--deterministic", "--seed", "5", "--faults", "3000", "--bug", "canonical-ipa-not-aligned", "--json", "--quiet"]));
    }

    [Fact]
    public void FreeRunningRecordedRun()
    {
        using var cli = new CliHarness();
        Assert.Equal(Pins.FreeRunningRun, Run(cli, ["run", "--seed", "3", "--faults", "300", "--duration", "60s", "--vcpus", "2", "--memory", "8M",
            "--json", "--quiet", "--schedule-dir", cli.Root]));
    }

    [Fact]
    public void Sweep()
    {
        using var cli = new CliHarness();
        Assert.Equal(Pins.Sweep, Run(cli, ["run", "--deterministic", "--seed", "2", "--faults", "200", "--vcpus", "1,2", "--json", "--quiet"]));
    }

    [Fact]
    public void ScenarioRun_AndAnUnreachableBugsScenario()
    {
        using var cli = new CliHarness();
        var unreachable = BugCatalog.All.Where(b => b.Unreachable is not null).Select(b => b.Name).Order(StringComparer.Ordinal).First();
        Assert.Equal(Pins.UnreachableBugRun, Run(cli, ["run", "--bug", unreachable, "--seed", "1", "--json", "--quiet"]));
        var scenario = Path.Combine(AppContext.BaseDirectory, "scenarios", "bugs", unreachable + ".hocon");
        if (!File.Exists(scenario)) scenario = cli.Write("s.hocon", Stress.Cli.BugScenarios.Text(unreachable)!);
        Assert.Equal(Pins.ScenarioRun, Run(cli, ["run", scenario, "--seed", "1", "--json", "--quiet"]));
    }

    [Fact]
    public void HuntFound_AndNotFound()
    {
        using var cli = new CliHarness();
        Assert.Equal(Pins.HuntFound, Run(cli, ["hunt", "--bug", "retry-ignores-in-progress", "--seed", "1", "--budget", "500", "--json", "--quiet", "--schedule-dir", cli.Root]));
        Assert.Equal(Pins.HuntNotFound, Run(cli, ["hunt", "--seed", "1", "--budget", "2", "--faults", "50", "--json", "--quiet", "--schedule-dir", cli.Root]));
    }

    [Fact]
    public void ClusterHuntsFigures()
    {
        var rows = new List<(string, HuntResult)> { ("(no bug)", new HuntResult(null, 1, 3, TimeSpan.FromSeconds(1), 0, null)) };
        var nodes = new List<NodeFigures> { new("a:1", 2, 10, 3, 1.5, 4, null), new("b:2", 1, 4, 1, 0.5, 2, "unreachable") };
        var targets = new List<TargetFigures> { new([new SeedRange(1, 5), new SeedRange(9, 12)], 3, 1, 0, null) };
        var to = new StringWriter();
        HuntReport.WriteJson(to, rows, new HuntOptions(HuntOptions.RaceMix, HuntStrategy.Pct, 3, 1, 10, TimeSpan.MaxValue), (nodes, targets));
        Assert.Equal(Pins.ClusterHunt, ShapeOf(to.ToString()));
    }

    [Fact]
    public void Check()
    {
        using var cli = new CliHarness();
        var report = new CheckReport(TextWriter.Null);
        report.Add("pass.hocon", ScenarioOutcome.Pass("pass-one"));
        report.Add("fail.hocon", ScenarioOutcome.Mismatch("fail-one", "steps[4].expect.faults", "[retry, map]", "[map]", ["stale-mapping"]));
        report.AddMalformed(new ScenarioError("bad.hocon", "steps[0].op", "unknown op 'x'"));
        var to = new StringWriter();
        report.WriteJson(to);
        Assert.Equal(Pins.Check, ShapeOf(to.ToString()));
    }

    [Fact]
    public void Replay()
    {
        using var cli = new CliHarness();
        Assert.Equal(Pins.Replay, Run(cli, ["replay", "--seed", "17", "--faults", "60", "--json"]));
    }

    private static class Pins
    {
        public const string DeterministicRun =
            "{seed:n,mte:b,map_fixed_replace:b,needs_applied:[],faults:n,accesses:n,seconds:n,faults_per_second:n,retries_per_fault:n,fault_latency:{unit:s,p50:n,p99:n,max:n},results:{*:n},exits:{*:n},host_ops:n,host_ops_per_second:n,exit_causes:[{what:s,why:s,intended:b,count:n}],host_op_error_causes:[{what:s,why:s,intended:b,count:n}],memslot_ops:n,host_op_errors:{*:n},dirty_pages_harvested:n,outstanding_fault_refs:n,lost_writes:n,pages_read_back:n,rss_start_bytes:n,rss_end_bytes:n,rss_peak_bytes:n,heap_start_bytes:n,heap_end_bytes:n,replay:s,deterministic:b,deliveries:n,choice_points:n,messages_per_fault:n,coverage:{covered:n,possible:n,pairs:[{fault_phase:s,concurrent:s,count:n}]},reachability:{reached:n,points:n,counts:{*:n},zero:[s]},violation_subjects_count:n,violation_subjects:[{kind:s,subject:s,events:n,first:s}],violations:[{kind:s,detail:s}],findings:[]}";
        public const string FreeRunningRun =
            "{seed:n,mte:b,map_fixed_replace:b,needs_applied:[],faults:n,accesses:n,seconds:n,faults_per_second:n,retries_per_fault:n,fault_latency:{unit:s,p50:n,p99:n,max:n},results:{*:n},exits:{*:n},host_ops:n,host_ops_per_second:n,exit_causes:[{what:s,why:s,intended:b,count:n}],host_op_error_causes:[{what:s,why:s,intended:b,count:n}],memslot_ops:n,host_op_errors:{*:n},dirty_pages_harvested:n,outstanding_fault_refs:n,lost_writes:n,pages_read_back:n,rss_start_bytes:n,rss_end_bytes:n,rss_peak_bytes:n,heap_start_bytes:n,heap_end_bytes:n,recorded_deliveries:n,recording_overflowed:b,deterministic:b,coverage:{covered:n,possible:n,pairs:[{fault_phase:s,concurrent:s,count:n}]},reachability:{reached:n,points:n,counts:{*:n},zero:[s]},violation_subjects_count:n,violation_subjects:[],violations:[],findings:[]}";
        public const string Sweep =
            "{seed:n,invalidate_every:n,sweep:[{vcpus:n,faults:n,faults_per_second:n,retries_per_fault:n,host_ops:n,host_ops_per_second:n,latency_unit:s,latency_p50:n,latency_p99:n,violation_subjects:n,violation_events:n}]}";
        public const string UnreachableBugRun =
            "{seed:n,name:s,passed:b,violations:[s],phases:n,trace_sha256:s,unreachable_from_workload:s,scenario:s,replay:s}";
        public const string ScenarioRun =
            "{seed:n,name:s,passed:b,violations:[s],phases:n,trace_sha256:s}";
        public const string HuntFound =
            "{strategy:s,depth:n,seed:n,hunts:[{bug:s,found:b,violation:s,detail:s,seed:n,schedule_length:n,minimized:[],schedules:n,seconds:n,seconds_to_find:n,finding_schedules:n,coverage:{covered:n,possible:n,pairs:[{fault_phase:s,concurrent:s,count:n}]},reachability:{reached:n,points:n,counts:{*:n},zero:[s]}}],reachability:{reached:n,points:n,counts:{*:n},zero:[s]}}";
        public const string HuntNotFound =
            "{strategy:s,depth:n,seed:n,hunts:[{bug:s,found:b,schedules:n,seconds:n,seconds_to_find:n,finding_schedules:n,coverage:{covered:n,possible:n,pairs:[{fault_phase:s,concurrent:s,count:n}]},reachability:{reached:n,points:n,counts:{*:n},zero:[s]}}],reachability:{reached:n,points:n,counts:{*:n},zero:[s]}}";
        public const string ClusterHunt =
            "{strategy:s,depth:n,seed:n,hunts:[{bug:s,found:b,schedules:n,seconds:n,seconds_to_find:n,finding_schedules:n}],reachability:{reached:n,points:n,counts:{*:n},zero:[s]},nodes:[{node:s,lanes:n,schedules:n,ranges:n,lane_seconds:n,schedules_per_lane_second:n}|{node:s,lanes:n,schedules:n,ranges:n,lane_seconds:n,schedules_per_lane_second:n,lost:s}],ranges:[{issued:n,reissued:n,duplicate_schedules:n,explored:[[n]]}]}";
        public const string Check =
            "{scenarios:[{name:s,file:s,passed:b,violations:[],malformed:b}|{name:s,file:s,passed:b,failure:s,violations:[s],malformed:b}|{name:s,file:s,passed:b,failure:s,violations:[],malformed:b}],passed:n,failed:n}";
        public const string Replay =
            "{faults:n,phases:n,deliveries:n,trace_sha256:s,violations:n}";
    }
}
