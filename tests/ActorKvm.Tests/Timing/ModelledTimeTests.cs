using ActorKvm.Engine;
using ActorKvm.Model.Host;
using ActorKvm.Model.Variants;
using ActorKvm.Stress;
using ActorKvm.Stress.Cli;
using ActorKvm.Timing.Costs;
using ActorKvm.Timing.Report;
using ActorKvm.Timing.Workloads;

namespace ActorKvm.Tests.Timing;

public class ModelledTimeTests
{
    private static ModelledCosts Costs() => ModelledTimeConfig.Costs(EngineConfig.Load());

    private static string Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        var code = Program.Run(args, o, e);
        Assert.True(code == 0, $"exit {code}: {e}");
        return o.ToString();
    }

    [Fact]
    public void RunModelledTime_8Vcpus_GivesTheSameFiguresTwiceAndUnderHeavyMachineLoad()
    {
        string[] args = ["run", "--modelled-time", "--vcpus", "8", "--seed", "5", "--faults", "3000", "--json", "--quiet"];
        var first = Run(args);
        var second = Run(args);
        string loaded;
        using (var stop = new CancellationTokenSource())
        {
            // Burn every core while the run goes on: modelled time must not notice.
            var burners = Enumerable.Range(0, Environment.ProcessorCount).Select(_ => new Thread(() =>
            {
                var x = 0UL;
                while (!stop.IsCancellationRequested) x = x * 6364136223846793005UL + 1;
                GC.KeepAlive(x);
            })
            { IsBackground = true }).ToList();
            burners.ForEach(t => t.Start());
            loaded = Run(args);
            stop.Cancel();
            burners.ForEach(t => t.Join());
        }
        Assert.Contains("\"faults_per_second\"", first);
        Assert.Contains("\"latency_p99_us\"", first);
        Assert.Equal(first, second);
        Assert.Equal(first, loaded);
    }

    [Fact]
    public void Trace_TakesTheSameInterleaving_AndRunsOnTheModelledClock()
    {
        var o = new ModelledStressOptions(Vcpus: 4, MaxFaults: 2000, Seed: 9);
        var plain = ModelledStress.Run(o, Costs());
        var trace = new ModelledTrace();
        var traced = ModelledStress.Run(o, Costs(), trace);
        Assert.Equal(plain.Metrics.Digest, traced.Metrics.Digest);
        Assert.Equal(plain.Metrics.Faults, traced.Metrics.Faults);
        Assert.Equal(plain.Now, traced.Now);
        // The slices are modelled ns: the last one ends at the machine's modelled time.
        Assert.Equal(traced.Now, trace.Slices.Max(s => s.StartNs + s.DurationNs), 6);
        var other = ModelledStress.Run(o with { Seed = 10 }, Costs());
        Assert.NotEqual(plain.Metrics.Digest, other.Metrics.Digest);
    }

    [Fact]
    public void FaultsUnderTheWriteLock_SerialiseAcrossVcpus_ButNotOnOne()
    {
        DirtyLogPerfResult Pass(int vcpus, bool writeLock) => DirtyLogPerf.Run(
            new DirtyLogPerfOptions(vcpus, 4UL << 20, BackingKind.Thp, Iterations: 1) { Variants = writeLock ? new VariantSet(["fault-write-lock"]) : VariantSet.None }, Costs());
        var one = Pass(1, false).PassNs[0] / Pass(1, true).PassNs[0];
        var eight = Pass(8, true).PassNs[0] / Pass(8, false).PassNs[0];
        Assert.InRange(one, 0.99, 1.01);
        Assert.True(eight > 2, $"write-lock/read-lock dirty pass time at 8 vCPUs: {eight:0.00}");
        Assert.True(Pass(8, true).Metrics.Waits.ContainsKey("mmu_lock (write)"));
    }

    [Fact]
    public void ContendedWriteLockHandOver_CostsThreeLineTransfers_BecauseTheQueueHeadSpinsOnTheWord()
    {
        // qrwlock: the release takes the line back from the spinning queue head, whose re-read and cmpxchg are two more
        // transfers. Without the spinner rule a hand-over is one transfer (the grant) and a local release.
        double PerFault(int vcpus, bool writeLock)
        {
            var r = DirtyLogPerf.Run(new DirtyLogPerfOptions(vcpus, 4UL << 20, BackingKind.Thp, Iterations: 1)
            { Variants = writeLock ? new VariantSet(["fault-write-lock"]) : VariantSet.None }, Costs());
            return (double)r.Metrics.LockLineTransfers / r.Metrics.Faults;
        }
        Assert.InRange(PerFault(4, true), 2.8, 3.05);
        Assert.InRange(PerFault(4, false), 1.8, 2.05);
        Assert.InRange(PerFault(1, true), 0, 0.05);
    }

    [Fact]
    public void PhaseVariation_KeepsTheMeanOnOneVcpu_ButMakesReadersQueueForTheLockLine()
    {
        // Deterministic phases put 4 read-side vCPUs in lockstep: none ever waits for the lock word's line. Varied phases
        // (same mean) collide on it, so the 4-vCPU pass slows while the 1-vCPU pass keeps its mean.
        double Pass(int vcpus, double variation) => DirtyLogPerf.Run(new DirtyLogPerfOptions(vcpus, 8UL << 20, BackingKind.Thp, Iterations: 1),
            Costs().With([new("phase-variation", variation)])).PassNs[0];
        Assert.InRange(Pass(1, 1) / Pass(1, 0), 0.97, 1.03);
        Assert.True(Pass(4, 1) / Pass(4, 0) > 1.02, $"4-vCPU read-side pass, varied / deterministic: {Pass(4, 1) / Pass(4, 0):0.000}");
        var e = Assert.Throws<ArgumentException>(() => Costs().With([new("phase-variation", 1.5)]));
        Assert.Contains("phase-variation", e.Message);
    }

    [Fact]
    public void ConcurrentClearing_SlowsEveryCore_BeforeTheMachineBandwidthIsReached()
    {
        // Loaded latency: 4 cores × 20 GB/s is well under 150 GB/s, yet each core clears slower than alone (a hard
        // bandwidth cap would leave the 4-vCPU populate as fast as the 1-vCPU one).
        var costs = Costs().With([new("core-bandwidth", 20), new("machine-bandwidth", 150), new("map-2m", 0)]);
        double Populate(int vcpus) => DirtyLogPerf.Run(new DirtyLogPerfOptions(vcpus, 16UL << 20, BackingKind.Thp, Iterations: 1), costs).PopulateNs;
        var slowdown = Populate(4) / Populate(1);
        Assert.InRange(slowdown, 1.15, 1.6);
    }
}

public class ModelledTimeVerbTests
{
    [Fact]
    public void DirtyLogPerf_ReportsPopulateEnablePassesAndDisable_AndRejectsAnUnknownBacking()
    {
        var o = new StringWriter();
        var e = new StringWriter();
        Assert.Equal(0, Program.Run(["dirty-log-perf", "-v", "2", "-b", "4M", "-i", "2", "--json", "--quiet"], o, e));
        Assert.Contains("\"populate_ns\"", o.ToString());
        Assert.Contains("\"pass_ns\"", o.ToString());
        Assert.Contains("Iteration 2 dirty memory time", e.ToString());
        var bad = new StringWriter();
        Assert.Equal(2, Program.Run(["dirty-log-perf", "-s", "bogus"], new StringWriter(), bad));
        Assert.StartsWith("actorkvm: error: -s:", bad.ToString());
    }

    [Fact]
    public void CompareModelledTime_ShowsTheVariantSideBySide()
    {
        var o = new StringWriter();
        var e = new StringWriter();
        Assert.Equal(0, Program.Run(["compare", "--variant", "fault-write-lock", "--modelled-time", "--vcpus", "1,4", "--seeds", "1", "--faults", "1500"], o, e));
        var text = o.ToString();
        Assert.Contains("mmu_lock write wait per fault (µs)", text);
        Assert.Contains("4 vCPUs", text);
    }
}
