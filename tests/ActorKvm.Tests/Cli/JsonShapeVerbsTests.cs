using ActorKvm.Cluster.Working;
using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Stress.Diff;
using ActorKvm.Stress.Output;
using ActorKvm.Stress.Verbs;

namespace ActorKvm.Tests.Cli;

/// <summary>
/// The <c>--json</c> objects of the other verbs (compare, run --modelled-time, dirty-log-perf, variants, bugs, scenarios,
/// diff, worker): shape pinned on small runs, whatever writes them (<see cref="JsonShapeTests.Shape"/>).
/// </summary>
public class JsonShapeVerbsTests
{
    private static string ShapeOf(string json) => JsonShapeTests.ShapeOf(json);

    private static string Run(CliHarness cli, params string[] args) => JsonShapeTests.Run(cli, args);

    [Fact]
    public void Compare()
    {
        using var cli = new CliHarness();
        Assert.Equal(Pins.Compare, Run(cli, "compare", "--variant", "perm-fault-write-lock", "--vcpus", "2", "--seeds", "1", "--faults", "300", "--json", "--quiet"));
    }

    [Fact]
    public void CompareModelledTime()
    {
        using var cli = new CliHarness();
        Assert.Equal(Pins.CompareModelled, Run(cli, "compare", "--variant", "perm-fault-write-lock", "--modelled-time", "--vcpus", "2", "--seeds", "1", "--faults", "300", "--json", "--quiet"));
    }

    [Fact]
    public void RunModelledTime()
    {
        using var cli = new CliHarness();
        Assert.Equal(Pins.RunModelled, Run(cli, "run", "--modelled-time", "--vcpus", "2", "--seed", "5", "--faults", "300", "--json", "--quiet"));
    }

    [Fact]
    public void DirtyLogPerf_AndAPaperTable()
    {
        using var cli = new CliHarness();
        Assert.Equal(Pins.DirtyLogPerf, Run(cli, "dirty-log-perf", "-v", "1", "-b", "4M", "-i", "2", "--json", "--quiet"));
        Assert.Equal(Pins.Paper, Run(cli, "dirty-log-perf", "--paper", "eager-split", "-v", "1,3", "-b", "4M", "--json", "--quiet"));
    }

    [Fact]
    public void Variants_AndBugs()
    {
        using var cli = new CliHarness();
        Assert.Equal(Pins.Variants, Run(cli, "variants", "--json"));
        Assert.Equal(Pins.Bugs, Run(cli, "bugs", "--json"));
    }

    [Fact]
    public void Scenarios()
    {
        using var cli = new CliHarness();
        cli.Write("scenarios/a.hocon", "name = alpha\ndescription = \"first one\"");
        cli.Write("scenarios/b.hocon", "name = be");
        cli.Write("scenarios/c.hocon", "name = 1\nsteps = 3");
        Assert.Equal(Pins.Scenarios, Run(cli, "scenarios", "--json"));
    }

    [Fact]
    public void Diff()
    {
        var report = new DiffReport(TextWriter.Null, new KernelVersion(6, 12)) { Seconds = 1.25 };
        report.Compared("agrees", null, 3, null);
        report.Compared("disagrees", new Difference("steps[2].stage2", "block", "page"), 2, "/tmp/x.hocon");
        report.Skip("skipped", "steps[1]: an access at 0x10000000000");
        report.Malformed("bad.hocon: steps[0].op: unknown op 'x'");
        var to = new StringWriter();
        report.WriteJson(to);
        Assert.Equal(Pins.DiffNotBooted, ShapeOf(to.ToString()));
        report.Machine = new MachineFeatures("6.12.0", true, true, false, true, 40);
        to = new StringWriter();
        report.WriteJson(to);
        Assert.Equal(Pins.Diff, ShapeOf(to.ToString()));
    }

    [Fact]
    public void Worker()
    {
        var to = new StringWriter();
        WorkerVerb.WriteJson(to, "akka.tcp://actorkvm@127.0.0.1:4711", 2, 120, WorkerEnd.CoordinatorLost, "the hunt's node left");
        Assert.Equal(Pins.Worker, ShapeOf(to.ToString()));
        Assert.Contains("\"end\": \"coordinatorlost\"", to.ToString(), StringComparison.Ordinal);
    }

    private static class Pins
    {
        public const string Compare =
            "{variant:s,baseline:[],first_seed:n,seeds:n,faults_per_run:n,comparisons:[{vcpus:n,baseline:{faults:n,lock_waits_read:n,lock_waits_write:n,lock_waits_per_fault:n,retries_per_fault:n,retries_invalidation_in_progress:n,retries_sequence_moved:n,retries_other:n,latency_p50_deliveries:n,latency_p99_deliveries:n,latency_max_deliveries:n,deliveries_per_fault:n,violation_subjects:n,violation_events:n},variant:{faults:n,lock_waits_read:n,lock_waits_write:n,lock_waits_per_fault:n,retries_per_fault:n,retries_invalidation_in_progress:n,retries_sequence_moved:n,retries_other:n,latency_p50_deliveries:n,latency_p99_deliveries:n,latency_max_deliveries:n,deliveries_per_fault:n,violation_subjects:n,violation_events:n}}]}";
        public const string CompareModelled =
            "{variant:s,modelled_time:b,comparisons:[{vcpus:n,baseline_faults_per_second:n,variant_faults_per_second:n,baseline_latency_p99_us:n,variant_latency_p99_us:n}]}";
        public const string RunModelled =
            "{seed:n,vcpus:n,modelled_ns:n,digest:s,faults:n,accesses:n,faults_per_second:n,faults_per_second_per_vcpu:[n],latency_p50_us:n,latency_p99_us:n,retries:{in_progress:n,sequence_moved:n},waits_us:{*:n},tlbi_broadcasts:n,lock_line_transfers:n,violations:n}";
        public const string DirtyLogPerf =
            "{vcpus:n,populate_ns:n,enable_ns:n,pass_ns:[n],get_ns:[n],disable_ns:n,modelled_ns:n,digest:s,faults:n,accesses:n,faults_per_second:n,faults_per_second_per_vcpu:[n],latency_p50_us:n,latency_p99_us:n,retries:{in_progress:n,sequence_moved:n},waits_us:{*:},tlbi_broadcasts:n,lock_line_transfers:n,violations:n}";
        public const string Paper =
            "{table:s,calibration:s,rows:[{quantity:s,vcpus:n,model_before:n,model_after:n,model_ratio:n,published_ratio:n}|{quantity:s,vcpus:n,model_before:n,model_after:n,model_ratio:n}]}";
        public const string Variants =
            "{variants:[{name:s,change:s,where:s}]}";
        public const string Bugs =
            "{bugs:[{number:n,name:s,kernel-fix:s,invariant:s,rule:s,modelled:b}|{number:n,name:s,kernel-fix:s,invariant:s,rule:s,modelled:b,not-huntable:s}|{number:n,name:s,kernel-fix:s,invariant:s,rule:s,modelled:b,not-modelled:s}]}";
        public const string Scenarios =
            "{scenarios:[{name:s,description:s,file:s}|{name:s,description:null,file:s}],invalid:[{file:s,error:s}]}";
        public const string DiffNotBooted =
            "{kernel:s,agree:n,disagree:n,skipped:n,malformed:n,observations:n,seconds:n,scenarios:[{name:s,status:s}|{name:s,status:s,difference:s}|{name:s,status:s,reason:s}]}";
        public const string Diff =
            "{kernel:s,machine:s,agree:n,disagree:n,skipped:n,malformed:n,observations:n,seconds:n,scenarios:[{name:s,status:s}|{name:s,status:s,difference:s}|{name:s,status:s,reason:s}]}";
        public const string Worker =
            "{node:s,lanes:n,schedules:n,end:s,detail:s}";
    }
}
