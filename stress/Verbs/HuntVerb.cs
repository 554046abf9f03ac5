using System.CommandLine;
using System.Globalization;
using ActorKvm.Engine;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// <c>hunt</c>: explores interleavings of the generic race workload on the deterministic dispatcher with bug
/// switches on, until the oracle reports a violation or the budget is spent. Exit 0 found, 1 budget spent.
/// </summary>
internal static class HuntVerb
{
    public static Command Create(CommonOptions common, CliIo io)
    {
        var bug = new Option<string[]>("--bug") { Description = "Bug switch to hunt (repeatable; none: a no-bug hunt that must find nothing)", HelpName = "NAME" };
        var allBugs = new Option<bool>("--all-bugs") { Description = "Hunt each modelled switch in turn and print a table" };
        var strategy = new Option<string>("--strategy") { Description = "random or pct", DefaultValueFactory = _ => "random" };
        var depth = new Option<int>("--depth") { Description = "PCT bug depth", DefaultValueFactory = _ => 3 };
        var budget = new Option<string>("--budget") { Description = "Per bug: wall-clock (10s) or schedule count (5000)", DefaultValueFactory = _ => "10s" };
        var seed = new Option<ulong?>("--seed") { Description = "First schedule's seed (default: random, always printed)" };
        var faults = new Option<long>("--faults") { Description = "Faults per schedule", DefaultValueFactory = _ => HuntOptions.RaceMix.MaxFaults };
        var backing = new Option<string[]>("--backing") { Description = "One slot per backing (repeatable; default thp, anon, hugetlb-2M; the first slot's dirty logging flips)", AllowMultipleArgumentsPerToken = false };
        var dir = new Option<string>("--schedule-dir") { Description = "Where a found schedule is saved", DefaultValueFactory = _ => ".", HelpName = "DIR" };
        var variant = VariantNames.Option();
        var scenarioPaths = new Argument<string[]>("scenarios") { Arity = ArgumentArity.ZeroOrMore, HelpName = "SCENARIO", Description = "Scenario files: explore their interleavings exhaustively instead of the built-in workload" };
        var maxRetries = HuntScenario.MaxRetriesOption();
        var command = new Command("hunt", "Explore interleavings of the race workload (or of scenarios) until a violation is found") { bug, allBugs, strategy, depth, budget, seed, faults, dir, backing, variant, maxRetries, scenarioPaths };
        command.SetAction(r =>
        {
            var (json, quiet, config) = common.Read(r);
            if (r.GetValue(scenarioPaths) is { Length: > 0 } files)
            {
                var scenarioDir = r.GetValue(dir)!;
                if (!Directory.Exists(scenarioDir)) throw new CliUserError($"--schedule-dir: no such directory: {scenarioDir}");
                return HuntScenario.Execute(files, r, [allBugs, strategy, depth, seed, faults, backing], bug, variant, maxRetries,
                    ParseBudget(r.GetValue(budget)!), r.GetValue(budget)!, scenarioDir, (json, quiet, config), io);
            }
            if (r.GetResult(maxRetries) is { Implicit: false }) throw new CliUserError("--max-retries: only with a scenario (hunt SCENARIO)");
            var names = r.GetValue(bug) ?? [];
            var all = r.GetValue(allBugs);
            if (all && names.Length > 0) throw new CliUserError("--all-bugs: give either --all-bugs or --bug, not both");
            BugNames.Check(names);
            var variants = VariantNames.Check(r.GetValue(variant));
            var strat = r.GetValue(strategy) switch
            {
                "random" => HuntStrategy.Random,
                "pct" => HuntStrategy.Pct,
                var other => throw new CliUserError($"--strategy: expected random or pct, got '{other}'"),
            };
            var d = r.GetValue(depth);
            if (d is < 1 or > 20) throw new CliUserError($"--depth: expected 1..20, got {d}");
            var (maxSchedules, maxTime) = ParseBudget(r.GetValue(budget)!);
            var scheduleDir = OptionChecks.ScheduleDir(r.GetValue(dir)!);
            var perSchedule = OptionChecks.Faults(r.GetValue(faults));
            var firstSeed = r.GetValue(seed) ?? (ulong)Random.Shared.NextInt64(1, int.MaxValue);
            var backings = Backings.Parse(r.GetValue(backing));
            var workload = HuntOptions.RaceMix with { MaxFaults = perSchedule, Backings = backings, Variants = variants };
            var options = new HuntOptions(workload, strat, d, firstSeed, maxSchedules, maxTime);
            var human = io.Human(json);
            if (!quiet) human.WriteLine($"actorkvm hunt: {strat.ToString().ToLowerInvariant()}{(strat == HuntStrategy.Pct ? $" depth {d}" : "")}, seed {firstSeed}, budget {r.GetValue(budget)} per bug, {perSchedule} faults per schedule");

            using var cts = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
            Console.CancelKeyPress += onCancel;
            try
            {
                using var det = new DeterministicSystem(EngineConfig.Load(config));
                var targets = all ? BugCatalog.All.Where(b => b.Modelled).Select(b => new[] { b.Name }).ToList() : [names];
                var rows = new List<(string Bug, HuntResult Result)>();
                var saved = true;
                foreach (var t in targets)
                {
                    if (cts.IsCancellationRequested) break;
                    var result = Hunter.Hunt(det, options, new BugSet(t), cts.Token);
                    var label = t.Length == 0 ? "(no bug)" : string.Join('+', t);
                    rows.Add((label, result));
                    if (!all) saved &= WriteOne(io, human, label, t, result, workload, scheduleDir);
                }
                if (all) HuntReport.WriteTable(human, rows);
                if (json) HuntReport.WriteJson(io.Out, rows, options);
                if (cts.IsCancellationRequested)
                {
                    // A hunt stopped by Ctrl-C is no verdict: say how far it got, exit 130 (128 + SIGINT, as shells do).
                    var whole = rows.Count(x => x.Result.Found is not null) + Math.Max(0, rows.Count(x => x.Result.Found is null) - 1);
                    io.Err.WriteLine($"actorkvm hunt: interrupted: {rows.Count(x => x.Result.Found is not null)} found, {whole} of {targets.Count} hunted to the end (exit 130)");
                    return ExitCodes.Interrupted;
                }
                if (!saved) return ExitCodes.BadInput;
                return ExitCode(rows, all);
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        });
        return command;
    }

    /// <summary>
    /// 0 when every hunted switch was found; with <c>--all-bugs</c> an entry the workload cannot reach
    /// (<see cref="UnreachableFromWorkload"/>, its reason printed) is not a miss.
    /// </summary>
    internal static int ExitCode(IReadOnlyList<(string Bug, HuntResult Result)> rows, bool all) =>
        rows.Count > 0 && rows.All(x => x.Result.Found is not null || (all && UnreachableFromWorkload.Reasons.ContainsKey(x.Bug)))
            ? ExitCodes.Ok : ExitCodes.Failed;

    /// <summary>One hunt's lines; false when the found schedule could not be saved (it is then printed inline).</summary>
    private static bool WriteOne(CliIo io, TextWriter human, string label, string[] bugs, HuntResult r, Engine.Workload.WorkloadOptions workload, string dir)
    {
        if (r.Coverage is { } c) human.WriteLine($"{label}: {CoverageReport.Text(c)}");
        if (r.Reach is { } reach) human.WriteLine($"{label}: {CoverageReport.ReachText(reach)}");
        if (r.FindingsLine is { } findings) human.WriteLine($"{label}: {findings}");
        if (r.Found is null)
        {
            human.WriteLine($"{label}: nothing found in {r.SchedulesTried} schedules ({r.Elapsed.TotalSeconds:F1}s){(r.Abandoned > 0 ? $"; {r.Abandoned} abandoned at their delivery bound" : "")}");
            if (bugs.Length == 1 && UnreachableFromWorkload.Reasons.TryGetValue(bugs[0], out var why)) human.WriteLine($"  not reachable from the generic workload: {why}");
            return true;
        }
        var file = Path.Combine(dir, $"actorkvm-hunt-{(bugs.Length == 0 ? "nobug" : bugs[0])}-{r.Seed}.schedule");
        var saved = OptionChecks.TryWrite(io, "--schedule-dir", file, () => File.WriteAllText(file, ScheduleLog.Format(r.Minimized!, bugs, r.Seed)));
        if (!saved) human.WriteLine($"  schedule (not saved): {string.Join(',', r.Minimized!)}");
        human.WriteLine($"{label}: found {r.Found} after {r.SchedulesTried} schedules ({r.FoundAfter.TotalSeconds:F2}s; {r.Elapsed.TotalSeconds:F2}s with shrinking)");
        human.WriteLine($"  seed {r.Seed}, schedule length {r.ScheduleLength} choice points, minimized to {r.Minimized!.Count(c => c != 0)} non-default choices of {r.Minimized!.Length} ({file})");
        human.WriteLine($"  replay: {ReplayCommand(bugs, r.Seed, r.Workload ?? workload, file)}");
        return saved;
    }

    /// <summary>The command that re-runs a hunt's failing schedule.</summary>
    public static string ReplayCommand(IEnumerable<string> bugs, ulong seed, Engine.Workload.WorkloadOptions w, string? scheduleFile) =>
        string.Join(' ', new[] { "actorkvm replay", $"--seed {seed}" }
            .Concat(bugs.Select(b => $"--bug {b}"))
            .Concat(w.Variants.On.Select(v => $"--variant {v}"))
            .Append($"--vcpus {w.Vcpus} --memory {w.Memory >> 20}M --invalidate-every {w.InvalidateEvery} --faults {w.MaxFaults}")
            .Concat(w.Backings is null ? [] : w.Backings.Select(b => $"--backing {b.ToScenarioName()}"))
            .Concat(w.Mte ? ["--mte"] : [])
            .Concat(scheduleFile is null ? [] : [$"--schedule {scheduleFile}"]));

    private static (long Schedules, TimeSpan Time) ParseBudget(string text)
    {
        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0) return (n, TimeSpan.MaxValue);
        try
        {
            return (long.MaxValue, DurationParser.Parse("--budget", text));
        }
        catch (CliUserError e) when (!e.Message.Contains("at most", StringComparison.Ordinal))
        {
            throw new CliUserError($"--budget: expected a duration such as 10s or a schedule count such as 5000, got '{text}'");
        }
    }
}
