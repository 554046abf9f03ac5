using ActorKvm.Engine.Workload;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Oracle;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output.Json;
using Spectre.Console;

namespace ActorKvm.Stress.Output;

/// <summary>The summary of a stress run, as text or as one JSON object.</summary>
internal static class RunReport
{
    private static string Mib(long bytes) => $"{bytes / (1024.0 * 1024.0):F0} MiB";

    internal static int LostWrites(StressResult r) => r.Violations.Count(v => v.Kind == ViolationKind.LostWrite);

    /// <summary>The workload knobs off their defaults that the run's first line names (empty when none).</summary>
    public static string Knobs(WorkloadOptions o) =>
        (o.Mte ? ", MTE VM" : "") + (o.MapFixedReplace ? ", memory replaced by mmap(MAP_FIXED)" : "");

    /// <summary>Host operations per second of wall-clock (free-running) time.</summary>
    internal static double HostOpRate(StressResult r) => r.Elapsed.TotalSeconds <= 0 ? 0 : r.Stats.HostOps / r.Elapsed.TotalSeconds;

    /// <summary><c> (N/s)</c>, or with a requested rate <c> (N/s of R/s requested, P %)</c>.</summary>
    internal static string RateText(double achieved, double requested) =>
        requested <= 0 ? $" ({achieved:F0}/s)" : $" ({achieved:F0}/s of {requested:F0}/s requested, {100 * achieved / requested:F0} %)";

    /// <summary>A warning when a requested rate was missed by more than 10 %, saying why it can be; else null.</summary>
    internal static string? RateWarning(double achieved, double requested) =>
        requested > 0 && achieved < 0.9 * requested
            ? $"--invalidate-rate {requested:F0}/s delivered {achieved:F0}/s ({100 * achieved / requested:F0} %): host operations run one at a time, " +
              "and each waits for mmu_lock (write) behind the faults and for its own range-start/range-end turns, so a busy VM caps the rate"
            : null;

    internal static IEnumerable<(OutcomeCause Cause, long Count)> Causes(Dictionary<OutcomeCause, long> causes) =>
        causes.OrderBy(kv => kv.Key.Intended).ThenBy(kv => kv.Key.What, StringComparer.Ordinal).ThenByDescending(kv => kv.Value).Select(kv => (kv.Key, kv.Value));

    private static string CauseText(OutcomeCause c) => c.Intended ? $"{c.Why} (intended by the workload)" : $"{c.Why} (NOT intended by the workload)";

    public static void Write(StressResult r, ulong seed, CliIo io, bool json, RunReproduction replay, WorkloadOptions options, IReadOnlyList<AppliedNeed> needs)
    {
        var s = r.Stats;
        var human = io.Human(json);
        var lat = r.Latency;
        var t = new Table().Border(TableBorder.Rounded).Title("actorkvm run: summary").AddColumn("").AddColumn("");
        t.HideHeaders();
        if (Knobs(options) is { Length: > 0 } knobs) t.AddRow("workload", knobs[2..]);
        t.AddRow("faults", $"{s.Faults} in {r.Elapsed.TotalSeconds:F1}s = {r.FaultsPerSecond:F0} faults/s ({s.Accesses} accesses)");
        t.AddRow("by result", string.Join(", ", s.ByResult.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key.Name()} {kv.Value}")));
        t.AddRow("retries", $"{s.RetriesPerFault:F3} per fault");
        if (lat is { Count: > 0 })
            t.AddRow("fault latency", $"p50 {lat.Percentile(50):F0} / p99 {lat.Percentile(99):F0} / max {lat.Max:F0} {lat.Unit} (faulting access, issue to finish, retries included)");
        t.AddRow("exits", string.Join(", ", s.ByExit.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}")));
        foreach (var (cause, n) in Causes(s.ExitCauses))
            t.AddRow($"  {cause.What} {n}", Markup.Escape(CauseText(cause)));
        t.AddRow("invalidations", $"{s.HostOps} host operations{RateText(HostOpRate(r), options.InvalidateRate)}; {s.MemslotOps} memslot/dirty-log operations");
        if (s.HostOpErrors.Count > 0)
            t.AddRow("host op errors", string.Join(", ", s.HostOpErrors.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key} {kv.Value}")));
        foreach (var (cause, n) in Causes(s.HostOpErrorCauses))
            t.AddRow($"  {cause.What} {n}", Markup.Escape(CauseText(cause)));
        t.AddRow("dirty pages", $"{s.DirtyPagesHarvested} harvested");
        if (r.Schedule is { } sched)
            t.AddRow("schedule", $"{sched.Deliveries} deliveries ({(s.Faults == 0 ? 0 : sched.Deliveries / (double)s.Faults):F1} per fault), {sched.Choices.Length} choice points");
        if (s.Coverage is { } cov) t.AddRow("coverage", Markup.Escape(CoverageReport.Text(cov)));
        if (s.Reach is { } reach) t.AddRow("reachability", Markup.Escape(CoverageReport.ReachText(reach)));
        if (r.Trace is { Dropped: > 0 } tr) t.AddRow("trace", $"{tr.Dropped} events past the {tr.Limit}-event limit not written");
        if (r.Recording is { } rec)
            t.AddRow("recorded", $"{rec.Deliveries} deliveries ({rec.Bytes >> 20} MiB){(rec.Overflowed ? $"; stopped at the {rec.Limit}-entry limit" : "")}");
        if (r.Memory is { } m)
            t.AddRow("memory", $"RSS {Mib(m.RssStart)} at start, {Mib(m.RssEnd)} at end, peak {Mib(m.RssPeak)}; managed heap {Mib(m.HeapStart)} -> {Mib(m.HeapEnd)}");
        t.AddRow("final check", $"{(LostWrites(r) == 0 ? "no lost write" : $"{LostWrites(r)} lost write(s)")} ({r.PagesReadBack} written pages read back), "
            + $"{r.OutstandingFaultRefs} fault page reference(s) outstanding, stage 2 checked against the host");
        var tallies = ViolationTally.Of(r.Violations);
        t.AddRow("violations", (r.Violations.Count == 0 ? "0" : $"{tallies.Count} distinct subject(s) (kind + address), {r.Violations.Count} event(s)")
            + (r.OutstandingFaultRefs != 0 ? $"; {r.OutstandingFaultRefs} fault page reference(s) outstanding" : ""));
        foreach (var (kind, line) in ViolationTally.KindLines(tallies))
            t.AddRow($"  {kind}", Markup.Escape(line));
        foreach (var g in r.Findings.GroupBy(v => v.Finding!))
            t.AddRow("upstream finding", Markup.Escape($"{g.Key}: {g.Count()}{(r.Findings.Count >= Model.Oracle.KvmOracle.MaxFindings ? "+" : "")}x (not a switch's doing; see scenarios/findings/{g.Key}.hocon), first: {g.First().Kind.Name()}: {g.First().Detail}"));
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(human),
            Ansi = RunProgressDisplay.IsTerminal(human) ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = RunProgressDisplay.IsTerminal(human) ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        if (!RunProgressDisplay.IsTerminal(human)) console.Profile.Width = 160;
        console.Write(t);
        if (RateWarning(HostOpRate(r), options.InvalidateRate) is { } warning) io.Err.WriteLine($"actorkvm run: warning: {warning}");
        if (r.Violations.Count > 0 || r.OutstandingFaultRefs != 0)
        {
            if (replay.Where is not null) human.WriteLine(replay.Where);
            if (replay.ScheduleFile is not null) human.WriteLine($"schedule saved: {replay.ScheduleFile}");
            human.WriteLine(r.Schedule is null && replay.ScheduleFile is null
                ? $"seed {seed}; this free-running interleaving was not recorded (--record true records it) — try the seeded dispatcher: {replay.Command}"
                : $"seed {seed}; replay: {replay.Command}");
        }
        if (json) JsonOut.Write(io.Out, RunSummary.Of(r, seed, replay, options, needs), SummaryJson.Default.RunSummary);
    }
}
