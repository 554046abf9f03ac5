using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using ActorKvm.Engine;
using ActorKvm.Engine.Exploration.Interleavings;
using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output;
using ActorKvm.Stress.Output.Json;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// <c>hunt SCENARIO...</c>: explores every distinct interleaving of each scenario's concurrent steps on the deterministic
/// dispatcher (<see cref="ScenarioExplorer"/>: depth-first, sleep sets, a stated retry bound), says when the reduced space
/// was exhausted or how much of it the budget covered, and writes a failing order as a scenario file with
/// <c>pause-at</c>/<c>resume</c> steps that <c>check</c> reproduces. Exit 0 when every scenario gave a failing order,
/// 1 when one did not, 2 bad input.
/// </summary>
internal static class HuntScenario
{
    /// <summary>The retry bound's option (scenario hunts only).</summary>
    public static Option<int> MaxRetriesOption() => new("--max-retries")
    {
        Description = "Scenario hunt: cut a schedule where one access faults again more than N times (the retry bound)",
        DefaultValueFactory = _ => 3,
        HelpName = "N",
    };

    public static int Execute(IReadOnlyList<string> paths, ParseResult r, IReadOnlyList<Option> workloadOnly, Option<string[]> bug,
        Option<string[]> variant, Option<int> maxRetries, (long Schedules, TimeSpan Time) budget, string budgetText, string scheduleDir,
        (bool Json, bool Quiet, string? Config) common, CliIo io)
    {
        if (workloadOnly.FirstOrDefault(x => r.GetResult(x) is { Implicit: false }) is { } given)
            throw new CliUserError($"{given.Name}: not with a scenario (a scenario hunt explores its interleavings exhaustively)");
        var retries = r.GetValue(maxRetries);
        if (retries is < 0 or > 100) throw new CliUserError($"--max-retries: expected 0..100, got {retries}");
        var bugs = (r.GetValue(bug) ?? []).Distinct().ToList();
        BugNames.Check(bugs);
        var variants = VariantNames.Check(r.GetValue(variant)).On.ToList();
        var scenarios = new List<(string Path, string Text, ScenarioDefinition Scenario)>();
        foreach (var path in paths)
        {
            if (!File.Exists(path)) throw new CliUserError($"{path}: no such file");
            var loaded = ScenarioLoader.LoadFile(path);
            if (loaded.Scenario is not { } sc) throw new CliUserError(loaded.Error!.ToString());
            scenarios.Add((path, File.ReadAllText(path), sc with { Variants = [.. sc.Variants.Concat(variants).Distinct()] }));
        }

        var human = io.Human(common.Json);
        var options = new ExploreOptions(budget.Schedules, budget.Time, retries);
        if (!common.Quiet)
            human.WriteLine($"actorkvm hunt: exhaustive over the scenario's interleavings (sleep sets), budget {budgetText} per scenario, "
                + $"retries bounded at {retries} per access{(bugs.Count > 0 ? $", bugs {string.Join(", ", bugs)}" : "")}");
        var rows = new List<Row>();
        using var cts = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
        Console.CancelKeyPress += onCancel;
        try
        {
            using var det = new DeterministicSystem(EngineConfig.Load(common.Config));
            foreach (var (path, text, sc) in scenarios)
            {
                if (cts.IsCancellationRequested) break;
                var result = ScenarioExplorer.Explore(det, sc, new ScenarioRunOptions(bugs, null) { ExtraVariants = variants }, options, cts.Token);
                var row = new Row(path, sc.Name, result);
                if (result.Failure is { } f) row = WriteCounterexample(row, sc, text, f, bugs, variants, scheduleDir);
                rows.Add(row);
                Report(human, row, retries);
            }
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        if (common.Json) WriteJson(io.Out, rows, retries);
        return rows.Count == scenarios.Count && rows.All(x => x.Result.Failure is not null) ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private sealed record Row(string Path, string Name, ExploreResult Result)
    {
        public string? Counterexample { get; init; }
        public bool Reproduces { get; init; }
        public string? CheckLine { get; init; }
        public string? Why { get; init; }
    }

    private static Row WriteCounterexample(Row row, ScenarioDefinition sc, string text, ExploredFailure f, IReadOnlyList<string> bugs,
        IReadOnlyList<string> variants, string dir)
    {
        var (written, why) = CounterexampleWriter.Write(sc, text, f, bugs, variants);
        if (written is null) return row with { Why = why };
        var file = Path.Combine(dir, $"actorkvm-hunt-{sc.Name}.hocon");
        File.WriteAllText(file, written);
        var (same, outcome, notSame) = CounterexampleWriter.Verify(written, file, f);
        return row with { Counterexample = file, Reproduces = same, CheckLine = outcome?.ToString(), Why = notSame };
    }

    /// <summary>The size of the reduced space and how much of it ran, in words.</summary>
    internal static string Coverage(ExploreResult r)
    {
        var phases = $"{r.DistinctPhaseOrders} distinct order(s) of model phases";
        if (r.Exhausted)
            return $"explored {r.Complete} of {r.Complete} distinct interleavings (reduced space, exhausted: all ran), {phases}";
        if (r.EstimatedSize is { } size)
            return $"explored {r.Complete} distinct interleavings of about {Number(size)} (reduced space, Knuth estimate over {r.EstimateProbes} random probes): "
                + $"{Percent(r.Complete / size)} covered, {phases}";
        return $"explored {r.Complete} distinct interleavings (not exhausted), {phases}";
    }

    private static void Report(TextWriter human, Row row, int retries)
    {
        var r = row.Result;
        var label = row.Name;
        human.WriteLine($"{label}: {Coverage(r)} in {r.Elapsed.TotalSeconds:F2}s");
        if (r.CutByRetryBound > 0) human.WriteLine($"{label}: {r.CutByRetryBound} schedule(s) reached the retry bound ({retries} retries per access) and were cut there");
        if (r.Redundant > 0) human.WriteLine($"{label}: {r.Redundant} run(s) abandoned as equivalent to one already explored (sleep sets)");
        if (r.Failure is not { } f)
        {
            human.WriteLine($"{label}: {(r.Exhausted ? "no violation in any interleaving" : "nothing found; budget spent")}");
            return;
        }
        human.WriteLine($"{label}: found after {r.Complete} interleaving(s): {f.Violation?.ToString() ?? f.Outcome.FailureText}");
        human.WriteLine($"  {f.Outcome}");
        if (row.Counterexample is null) human.WriteLine($"  no counterexample file: {row.Why}");
        else
        {
            human.WriteLine($"  counterexample: {row.Counterexample} ({(row.Reproduces ? "check reproduces it" : $"check does NOT reproduce it: {row.Why}")})");
            human.WriteLine($"  check: actorkvm check {row.Counterexample}");
        }
    }

    private static void WriteJson(TextWriter to, IReadOnlyList<Row> rows, int retries) =>
        JsonOut.Write(to, new ScenarioHuntSummary(retries, [.. rows.Select(row =>
        {
            var r = row.Result;
            return new ScenarioHuntEntry(row.Name, row.Path, r.Complete, r.Exhausted)
            {
                EstimatedSize = r.EstimatedSize,
                Coverage = r.EstimatedSize is { } size ? r.Complete / size : r.Exhausted ? 1 : null,
                DistinctPhaseOrders = r.DistinctPhaseOrders,
                CutByRetryBound = r.CutByRetryBound,
                Redundant = r.Redundant,
                ElapsedS = Math.Round(r.Elapsed.TotalSeconds, 3),
                Failure = r.Failure?.Outcome.FailureText,
                Violation = r.Failure?.Violation?.ToString(),
                Counterexample = r.Failure is null ? null : row.Counterexample,
                CounterexampleReproduces = r.Failure is null ? null : row.Reproduces,
            };
        })]), SummaryJson.Default.ScenarioHuntSummary);

    private static string Number(double x) => x < 1e6 ? x.ToString("N0", CultureInfo.InvariantCulture) : x.ToString("0.0e0", CultureInfo.InvariantCulture);

    private static string Percent(double share) => share >= 0.001
        ? (share * 100).ToString("0.#", CultureInfo.InvariantCulture) + " %"
        : (share * 100).ToString("0.0e0", CultureInfo.InvariantCulture) + " %";
}
