using ActorKvm.Engine.Exploration;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Oracle;
using ActorKvm.Model.Vm;
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
            if (r.Found is null && UnreachableFromWorkload.Reasons.TryGetValue(bug, out var why)) human.WriteLine($"{bug}: not reachable from the generic workload: {why}");
        foreach (var b in BugCatalog.All.Where(b => !b.Modelled)) human.WriteLine($"{b.Name}: not hunted, not modelled: {b.NotModelled}");
        var findings = rows.Sum(x => x.Result.FindingSchedules);
        if (rows.Select(x => x.Result.FirstFinding).FirstOrDefault(f => f is not null) is { } first)
            human.WriteLine($"upstream finding {first.Finding} seen in {findings} schedule(s) over all hunts (never counted as a hit; scenarios/findings/{first.Finding}.hocon)");
        human.WriteLine($"{found.Count} of {rows.Count} found; median {Median(found.Select(x => x.Result.FoundAfter.TotalSeconds)):F2}s and {Median(found.Select(x => (double)x.Result.SchedulesTried)):F0} schedules to find");
    }

    /// <summary>The hunt's JSON object; <paramref name="more"/> adds members at the end (a cluster hunt's per-node figures).</summary>
    public static void WriteJson(TextWriter to, IReadOnlyList<(string Bug, HuntResult Result)> rows, HuntOptions o, Action<System.Text.Json.Utf8JsonWriter>? more = null) =>
        JsonOut.Write(to, w =>
        {
            w.WriteString("strategy", o.Strategy.ToString().ToLowerInvariant());
            w.WriteNumber("depth", o.Depth);
            w.WriteNumber("seed", o.Seed);
            w.WriteStartArray("hunts");
            foreach (var (bug, r) in rows)
            {
                w.WriteStartObject();
                w.WriteString("bug", bug);
                w.WriteBoolean("found", r.Found is not null);
                if (r.Found is { } v)
                {
                    w.WriteString("violation", v.Kind.Name());
                    w.WriteString("detail", v.Detail);
                    w.WriteNumber("seed", r.Seed);
                    w.WriteNumber("schedule_length", r.ScheduleLength);
                    JsonOutInts(w, "minimized", r.Minimized!);
                }
                w.WriteNumber("schedules", r.SchedulesTried);
                w.WriteNumber("seconds", r.Elapsed.TotalSeconds);
                w.WriteNumber("seconds_to_find", r.FoundAfter.TotalSeconds);
                w.WriteNumber("finding_schedules", r.FindingSchedules);
                if (r.Coverage is { } c) CoverageReport.WriteJson(w, c);
                if (r.Reach is { } reach) CoverageReport.WriteJson(w, reach);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            var all = new Model.Oracle.Reachability();
            foreach (var (_, r) in rows) if (r.Reach is { } reach) all.Add(reach);
            CoverageReport.WriteJson(w, all);
            more?.Invoke(w);
        });

    private static void JsonOutInts(System.Text.Json.Utf8JsonWriter w, string name, int[] values)
    {
        w.WriteStartArray(name);
        foreach (var v in values) w.WriteNumberValue(v);
        w.WriteEndArray();
    }

    private static double Median(IEnumerable<double> xs)
    {
        var a = xs.Order().ToArray();
        return a.Length == 0 ? 0 : a.Length % 2 == 1 ? a[a.Length / 2] : (a[a.Length / 2 - 1] + a[a.Length / 2]) / 2;
    }
}
