using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Bugs;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output;
using ActorKvm.Stress.Output.Json;
using Akka.Configuration;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// <c>run --vcpus 1,2,8,64</c>: the same workload at each vCPU count, one line per point and a closing table. A
/// free-running sweep holds the host-operation rate fixed (<c>--invalidate-rate</c>, required), since a per-access
/// <c>--invalidate-every</c> would scale the invalidations with the faults each point manages; a deterministic sweep
/// keeps the per-access ratio, which is its only clock. Recording is off unless asked for (it costs 40-60 % of
/// faults/s from 8 vCPUs on, and auto would record only the small points).
/// </summary>
internal static class RunSweep
{
    public static int Execute(IReadOnlyList<int> vcpus, WorkloadOptions options, TimeSpan duration, bool deterministic, bool record,
        Config akka, BugSet bugs, CliIo io, bool json, bool quiet)
    {
        var human = io.Human(json);
        var holding = deterministic
            ? $"a host operation every {options.InvalidateEvery} accesses"
            : $"host operations held at {options.InvalidateRate:F0}/s";
        if (!quiet) human.WriteLine($"actorkvm run: sweep over {string.Join(", ", vcpus)} vCPUs, seed {options.Seed}, {holding}, {(deterministic ? $"{options.MaxFaults} faults" : $"{duration.TotalSeconds:0.#}s")} each");
        var rows = new List<(int Vcpus, StressResult Result)>();
        foreach (var n in vcpus)
        {
            var point = options with { Vcpus = n };
            var result = deterministic
                ? StressRun.RunDeterministic(point, new SeededStrategy(options.Seed), akka, bugs)
                : StressRun.Run(point, duration, akka, bugs, record: record);
            rows.Add((n, result));
            if (!quiet) human.WriteLine(Line(n, result, options));
            if (RunReport.RateWarning(RunReport.HostOpRate(result), options.InvalidateRate) is { } warning)
                io.Err.WriteLine($"actorkvm run: warning: {n} vCPUs: {warning}");
        }
        human.WriteLine($"{"vCPUs",5}  {"faults/s",10}  {"retries/fault",13}  {"latency p50/p99",20}  {"host ops/s",22}  violations");
        foreach (var (n, r) in rows) human.WriteLine(Row(n, r, options));
        foreach (var (n, r) in rows.Where(x => x.Result.Violations.Count > 0))
            human.WriteLine($"{n} vCPUs: {r.Violations[0]}; rerun the point: actorkvm run --vcpus {n} --seed {options.Seed} (with the same options)");
        if (json) JsonOut.Write(io.Out, SweepSummary.Of(options, rows), SummaryJson.Default.SweepSummary);
        return rows.All(x => x.Result.Violations.Count == 0 && x.Result.OutstandingFaultRefs == 0) ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static string Line(int n, StressResult r, WorkloadOptions o) =>
        $"  {n} vCPUs: {r.Stats.Faults} faults in {r.Elapsed.TotalSeconds:F1}s, {r.Stats.HostOps} host operations{RunReport.RateText(RunReport.HostOpRate(r), o.InvalidateRate)}, {r.Violations.Count} violation event(s)";

    private static string Row(int n, StressResult r, WorkloadOptions o)
    {
        var lat = r.Latency is { Count: > 0 } l ? $"{l.Percentile(50):F0}/{l.Percentile(99):F0} {l.Unit}" : "-";
        var rate = RunReport.HostOpRate(r);
        var host = o.InvalidateRate > 0 ? $"{rate:F0} of {o.InvalidateRate:F0} ({100 * rate / o.InvalidateRate:F0} %)" : $"{r.Stats.HostOps} ops";
        var tallies = ViolationTally.Of(r.Violations);
        return $"{n,5}  {r.Stats.Faults / Math.Max(r.Elapsed.TotalSeconds, 1e-9),10:F0}  {r.Stats.RetriesPerFault,13:F3}  {lat,20}  {host,22}  {(r.Violations.Count == 0 ? "0" : $"{tallies.Count} subject(s), {r.Violations.Count} event(s)")}";
    }
}
