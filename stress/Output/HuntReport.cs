using ActorKvm.Cluster.Coordination;
using ActorKvm.Engine.Exploration;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
using ActorKvm.Stress.Output.Json;
using Spectre.Console;

namespace ActorKvm.Stress.Output;

/// <summary>The <c>hunt --all-bugs</c> table and the JSON object of a hunt.</summary>
internal static class HuntReport
{
    public static void WriteTable(TextWriter human, IReadOnlyList<(string Bug, HuntResult Result)> rows)
    {
        var t = new Table().Border(TableBorder.Rounded).AddColumns("bug", "found", "violation", "schedules", "time to find", "with shrinking", "seed", "pairs");
        foreach (var (bug, r) in rows)
            t.AddRow(bug, r.Found is null ? "no" : "yes", r.Found?.Kind.Name() ?? "", $"{r.SchedulesTried}", $"{r.FoundAfter.TotalSeconds:F2}s", $"{r.Elapsed.TotalSeconds:F2}s", r.Found is null ? "" : $"{r.Seed}", $"{r.Coverage?.Covered}");
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(human), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors, Interactive = InteractionSupport.No });
        console.Profile.Width = 160;
        console.Write(t);
        var found = rows.Where(x => x.Result.Found is not null).ToList();
        var all = new PhaseCoverage();
        foreach (var (_, r) in rows) if (r.Coverage is { } c) all.Add(c);
        human.WriteLine($"interleaving coverage over all hunts: {CoverageReport.Text(all)}");
        var reachAll = new Model.Oracle.Reachability();
        foreach (var (_, r) in rows) if (r.Reach is { } reach) reachAll.Add(reach);
        human.WriteLine($"reachability over all hunts: {CoverageReport.ReachText(reachAll)}");
        human.WriteLine("(pairs: (fault phase, concurrent host/memslot phase) pairs a hunt interleaved)");
        foreach (var (bug, r) in rows)
            if (r.Found is null && BugCatalog.Find(bug)?.Unreachable is { } why) human.WriteLine($"{bug}: not reachable from the generic workload: {why}");
        foreach (var b in BugCatalog.All.Where(b => !b.Modelled)) human.WriteLine($"{b.Name}: not hunted, not modelled: {b.NotModelled}");
        var findings = rows.Sum(x => x.Result.FindingSchedules);
        if (rows.Select(x => x.Result.FirstFinding).FirstOrDefault(f => f is not null) is { } first)
            human.WriteLine($"upstream finding {first.Finding} seen in {findings} schedule(s) over all hunts (never counted as a hit; scenarios/findings/{first.Finding}.hocon)");
        human.WriteLine($"{found.Count} of {rows.Count} found; median {Median(found.Select(x => x.Result.FoundAfter.TotalSeconds)):F2}s and {Median(found.Select(x => (double)x.Result.SchedulesTried)):F0} schedules to find");
    }

    /// <summary>The hunt's JSON object (<see cref="HuntSummary"/>); a cluster hunt adds its per-node and bookkeeping figures.</summary>
    public static void WriteJson(TextWriter to, IReadOnlyList<(string Bug, HuntResult Result)> rows, HuntOptions o,
        (IReadOnlyList<NodeFigures> Nodes, IReadOnlyList<TargetFigures> Targets)? cluster = null)
    {
        var summary = HuntSummary.Of(rows, o);
        if (cluster is { } c) summary = summary.WithCluster(c.Nodes, c.Targets);
        JsonOut.Write(to, summary, SummaryJson.Default.HuntSummary);
    }

    private static double Median(IEnumerable<double> xs)
    {
        var a = xs.Order().ToArray();
        return a.Length == 0 ? 0 : a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
    }
}
