using System.CommandLine;
using ActorKvm.Engine;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output;
using ActorKvm.Stress.Schedules;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// <c>hunt</c>: explores interleavings of the generic race workload on the deterministic dispatcher with bug
/// switches on, until the oracle reports a violation or the budget is spent. Exit 0 found, 1 budget spent.
/// </summary>
internal static class HuntVerb
{
    public static Command Create(CommonOptions common, CliIo io)
    {
        var args = new HuntArgs();
        var dir = new Option<string>("--schedule-dir") { Description = "Where a found schedule is saved", DefaultValueFactory = _ => ".", HelpName = "DIR" };
        var cluster = new ClusterArgs();
        var scenarioPaths = new Argument<string[]>("scenarios") { Arity = ArgumentArity.ZeroOrMore, HelpName = "SCENARIO", Description = "Scenario files: explore their interleavings exhaustively instead of the built-in workload" };
        var maxRetries = HuntScenario.MaxRetriesOption();
        var command = new Command("hunt", "Explore interleavings of the race workload (or of scenarios) until a violation is found") { dir, cluster.Cluster, cluster.Port, cluster.SeedNode, maxRetries, scenarioPaths };
        foreach (var o in args.Exploration) command.Add(o);
        command.SetAction(r =>
        {
            var (json, quiet, config) = common.Read(r);
            if (r.GetValue(scenarioPaths) is { Length: > 0 } files)
            {
                if (r.GetValue(cluster.Cluster)) throw new CliUserError("--cluster: not with a scenario (a scenario hunt explores its interleavings exhaustively on one machine)");
                var scenarioDir = r.GetValue(dir)!;
                if (!Directory.Exists(scenarioDir)) throw new CliUserError($"--schedule-dir: no such directory: {scenarioDir}");
                var budgetText = r.GetValue(args.Budget)!;
                return HuntScenario.Execute(files, r, [args.AllBugs, args.Strategy, args.Depth, args.Seed, args.Faults, args.Backing], args.Bug, args.Variant, maxRetries,
                    HuntArgs.ParseBudget(budgetText), budgetText, scenarioDir, (json, quiet, config), io);
            }
            if (r.GetResult(maxRetries) is { Implicit: false }) throw new CliUserError("--max-retries: only with a scenario (hunt SCENARIO)");
            var scheduleDir = OptionChecks.ScheduleDir(r.GetValue(dir)!);
            var plan = args.Read(r, scheduleDir);
            var options = plan.Options;
            var clustered = cluster.ReadHunt(r, config);
            var human = io.Human(json);
            var strat = options.Strategy;
            if (!quiet) human.WriteLine($"actorkvm hunt: {strat.ToString().ToLowerInvariant()}{(strat == HuntStrategy.Pct ? $" depth {options.Depth}" : "")}, seed {options.Seed}, budget {plan.BudgetText} per bug, {options.Workload.MaxFaults} faults per schedule");
            if (clustered is { } node) return ClusterHunt.Run(plan, node, EngineConfig.Load(config), json, quiet, io);

            using var cts = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
            Console.CancelKeyPress += onCancel;
            try
            {
                using var det = new DeterministicSystem(EngineConfig.Load(config));
                var rows = new List<(string Bug, HuntResult Result)>();
                var saved = true;
                foreach (var t in plan.Targets)
                {
                    if (cts.IsCancellationRequested) break;
                    var result = Hunter.Hunt(det, options, new BugSet(t), cts.Token);
                    var label = Label(t);
                    rows.Add((label, result));
                    if (!plan.AllBugs) saved &= WriteOne(io, human, label, t, result, options.Workload, scheduleDir);
                }
                if (plan.AllBugs) HuntReport.WriteTable(human, rows);
                if (json) HuntReport.WriteJson(io.Out, rows, options);
                if (cts.IsCancellationRequested)
                {
                    // A hunt stopped by Ctrl-C is no verdict: say how far it got, exit 130 (128 + SIGINT, as shells do).
                    var whole = rows.Count(x => x.Result.Found is not null) + Math.Max(0, rows.Count(x => x.Result.Found is null) - 1);
                    io.Err.WriteLine($"actorkvm hunt: interrupted: {rows.Count(x => x.Result.Found is not null)} found, {whole} of {plan.Targets.Count} hunted to the end (exit 130)");
                    return ExitCodes.Interrupted;
                }
                if (!saved) return ExitCodes.BadInput;
                return ExitCode(rows, plan.AllBugs);
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
        });
        return command;
    }

    /// <summary>A target's label in the reports.</summary>
    public static string Label(IReadOnlyCollection<string> bugs) => bugs.Count == 0 ? "(no bug)" : string.Join('+', bugs);

    /// <summary>
    /// 0 when every hunted switch was found; with <c>--all-bugs</c> an entry the workload cannot reach
    /// (<see cref="BugSwitch.Unreachable"/>, its reason printed) is not a miss.
    /// </summary>
    internal static int ExitCode(IReadOnlyList<(string Bug, HuntResult Result)> rows, bool all) =>
        rows.Count > 0 && rows.All(x => x.Result.Found is not null || (all && BugCatalog.Find(x.Bug)?.Unreachable is not null))
            ? ExitCodes.Ok : ExitCodes.Failed;

    /// <summary>One target's lines, its schedule file written to <paramref name="dir"/>; false when the found schedule could not be saved (it is then printed inline).</summary>
    public static bool WriteOne(CliIo io, TextWriter human, string label, string[] bugs, HuntResult r, Engine.Workload.WorkloadOptions workload, string dir)
    {
        if (r.Coverage is { } c) human.WriteLine($"{label}: {CoverageReport.Text(c)}");
        if (r.Reach is { } reach) human.WriteLine($"{label}: {CoverageReport.ReachText(reach)}");
        if (r.FindingsLine is { } findings) human.WriteLine($"{label}: {findings}");
        if (r.Found is null)
        {
            human.WriteLine($"{label}: nothing found in {r.SchedulesTried} schedules ({r.Elapsed.TotalSeconds:F1}s){(r.Abandoned > 0 ? $"; {r.Abandoned} abandoned at their delivery bound" : "")}");
            if (bugs.Length == 1 && BugCatalog.Find(bugs[0])?.Unreachable is { } why) human.WriteLine($"  not reachable from the generic workload: {why}");
            return true;
        }
        var (file, saved) = SaveSchedule(io, dir, bugs, r, workload);
        if (!saved) human.WriteLine($"  schedule (not saved): {string.Join(',', r.Minimized!)}");
        human.WriteLine($"{label}: found {r.Found} after {r.SchedulesTried} schedules ({r.FoundAfter.TotalSeconds:F2}s; {r.Elapsed.TotalSeconds:F2}s with shrinking)");
        human.WriteLine($"  seed {r.Seed}, schedule length {r.ScheduleLength} choice points, minimized to {r.Minimized!.Count(c => c != 0)} non-default choices of {r.Minimized!.Length} ({file})");
        // The file carries the seed, bugs and workload; unsaved, the choices printed above replay with their options given again.
        human.WriteLine($"  replay: {(saved ? $"actorkvm replay --schedule {file}" : ReplayCommand(bugs, r.Seed, r.Workload ?? workload, file))}");
        return saved;
    }

    /// <summary>Saves a found schedule as a self-describing file in <paramref name="dir"/>; false (an error printed) when it cannot be written.</summary>
    public static (string File, bool Saved) SaveSchedule(CliIo io, string dir, string[] bugs, HuntResult r, Engine.Workload.WorkloadOptions workload)
    {
        var file = Path.Combine(dir, $"actorkvm-hunt-{(bugs.Length == 0 ? "nobug" : bugs[0])}-{r.Seed}.schedule");
        return (file, OptionChecks.TryWrite(io, "--schedule-dir", file, () => ScheduleFile.OfHunt(r, bugs, workload).Save(file)));
    }

    /// <summary>The command that re-runs a hunt's failing schedule with every option spelled out (the choice list in <paramref name="scheduleFile"/>).</summary>
    public static string ReplayCommand(IEnumerable<string> bugs, ulong seed, Engine.Workload.WorkloadOptions w, string scheduleFile) =>
        string.Join(' ', new[] { "actorkvm replay", $"--seed {seed}" }
            .Concat(bugs.Select(b => $"--bug {b}"))
            .Concat(w.Variants.On.Select(v => $"--variant {v}"))
            .Append($"--vcpus {w.Vcpus} --memory {w.Memory >> 20}M --invalidate-every {w.InvalidateEvery} --faults {w.MaxFaults}")
            .Concat(w.Backings is null ? [] : w.Backings.Select(b => $"--backing {b.ToScenarioName()}"))
            .Concat(w.Mte ? ["--mte"] : [])
            .Append($"--schedule {scheduleFile}"));
}
