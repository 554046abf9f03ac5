using System.CommandLine;
using ActorKvm.Engine;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Tracing;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// <c>actorkvm run</c>: the built-in stress workload on the actor engine, free-running (wall clock) or, with
/// <c>--deterministic</c>, on the seeded single-threaded dispatcher (bounded by <c>--faults</c>, never the clock).
/// </summary>
internal static class RunVerb
{
    /// <summary>A deterministic run's fault budget when <c>--faults</c> is not given (cli.md).</summary>
    private const long DeterministicDefaultFaults = 100_000;

    public static Command Create(CommonOptions common, CliIo io)
    {
        var command = new Command("run", "Run the built-in stress workload (or a scenario with async steps) on the actor engine");
        var scenario = new Argument<string?>("scenario") { Arity = ArgumentArity.ZeroOrOne, HelpName = "SCENARIO", Description = "A scenario file: its async steps are ordered by the seeded dispatcher" };
        command.Add(scenario);
        Configure(command, common, io, scenario);
        return command;
    }

    /// <summary>Gives <paramref name="command"/> (the <c>run</c> verb, or the root as the default verb) run's options and action.</summary>
    public static void Configure(Command command, CommonOptions common, CliIo io, Argument<string?>? scenario = null)
    {
        var o = new RunOptions();
        o.AddTo(command);
        var w = o.Workload;
        command.SetAction(r =>
        {
            var (json, quiet, config) = common.Read(r);
            if (r.GetValue(w.ModelledTime)) return ModelledTimeRun.Execute(r, o, (json, quiet, config), io);
            if (scenario is not null && r.GetValue(scenario) is { } scenarioPath)
            {
                OptionChecks.FlagValue(r, scenarioPath);
                return RunScenario.Execute(scenarioPath, r, o, (json, quiet, config), io);
            }
            var isDeterministic = r.GetValue(w.Deterministic);
            // Layers: akka.hocon's actorkvm.run, then --config FILE, then the options given on the command line.
            var akka = EngineConfig.Load(config);
            var d = RunDefaults.From(akka);
            var sweep = WorkloadArgs.Given(r, w.Vcpus, CliParsers.Vcpus(d.Vcpus.ToString(System.Globalization.CultureInfo.InvariantCulture), list: true));
            if (isDeterministic && r.GetResult(o.Duration) is { Implicit: false })
                throw new CliUserError("--duration: a --deterministic run is bounded by --faults, never by the clock");
            var time = WorkloadArgs.Given(r, o.Duration, DurationParser.Parse("--duration", d.Duration));
            var memText = WorkloadArgs.Given(r, w.Memory, MemorySize.Parse(d.Memory)).Text;
            var bugs = r.GetValue(w.Bug) ?? [];
            var bugSet = BugNames.Check(bugs);
            VariantNames.Check(r.GetValue(w.Variant));
            if (RunUnreachableBug.Which(bugs) is { } unreachable) return RunUnreachableBug.Execute(unreachable, r, o, (json, quiet, config), io);
            var tracePath = OptionChecks.TracePath(r.GetValue(o.Trace));
            var theSeed = r.GetValue(w.Seed) ?? (ulong)Random.Shared.NextInt64(1, long.MaxValue);
            var options = w.Bind(r, d.Workload(isDeterministic ? DeterministicDefaultFaults : long.MaxValue)) with { Seed = theSeed };
            if (options.Mte) Backings.CheckMte(options.Backings, "--mte");
            (options, var needs) = RunNeeds.Apply(r, w, options, bugs);
            if (options.Memory != MemorySize.Parse(memText).Bytes) memText = MemorySize.OfBytes(options.Memory).Text;
            var n = options.Vcpus;
            if (Engine.Workload.WorkloadVm.DoesNotFit(options) is { } tooBig) throw new CliUserError($"--memory: {memText}: {tooBig}");
            if (sweep.Count > 1)
            {
                if (tracePath is not null) throw new CliUserError("--trace: a sweep (--vcpus with a list) writes no trace; run one vCPU count");
                if (!isDeterministic && options.InvalidateRate == 0)
                    throw new CliUserError("--vcpus: a free-running sweep holds the host-operation rate fixed: give --invalidate-rate N/s");
                var sweepRecord = r.GetResult(o.Record) is { Implicit: false } && r.GetValue(o.Record);
                return RunSweep.Execute(sweep, options, time, isDeterministic, sweepRecord, akka, bugSet, io, json, quiet);
            }
            var record = WorkloadArgs.Given(r, o.Record, d.RecordFor(n)) && !isDeterministic;
            var scheduleDir = r.GetValue(o.ScheduleDir)!;
            if (record) OptionChecks.ScheduleDir(scheduleDir);
            var human = io.Human(json);
            var bounds = isDeterministic ? $"deterministic, {options.MaxFaults} faults" : $"{time.TotalSeconds:0.#}s";
            if (!quiet) human.WriteLine($"actorkvm run: seed {theSeed}, {n} vCPUs, {memText} over {string.Join(", ", options.EffectiveBackings.Select(b => b.ToScenarioName()))}, {bounds}{RunReport.Knobs(options)}");
            if (!quiet && !json)
                foreach (var need in needs) human.WriteLine($"actorkvm run: {need}");
            if (!quiet && options.Protected) human.WriteLine($"left out: {ProtectedWorkload.Note}");
            using var cts = new CancellationTokenSource();
            ConsoleCancelEventHandler onCancel = (_, e) => { e.Cancel = true; cts.Cancel(); };
            Console.CancelKeyPress += onCancel;
            StressResult result;
            try
            {
                var display = new RunProgressDisplay(human, quiet, isDeterministic ? null : time);
                result = display.Show(progress => isDeterministic
                    ? StressRun.RunDeterministic(options, new SeededStrategy(theSeed), akka, bugSet, cts.Token, trace: tracePath is not null, progress)
                    : StressRun.Run(options, time, akka, bugSet, cts.Token, trace: tracePath is not null, progress, record));
            }
            finally
            {
                Console.CancelKeyPress -= onCancel;
            }
            var written = tracePath is null || result.Trace is not { } recorded
                || OptionChecks.TryWrite(io, "--trace", tracePath, () => ChromeTrace.WriteFile(tracePath, recorded));
            // A recorded free-running run replays from its saved schedule; otherwise the seeded command re-runs the workload.
            RunReproduction? saved = null;
            written &= OptionChecks.TryWrite(io, "--schedule-dir", scheduleDir, () => saved = RunRecording.Save(result, options, bugs, scheduleDir));
            var reproduction = saved is { ScheduleFile: not null } ? saved : new RunReproduction(ReplayCommand(r, isDeterministic, options, memText), Where: saved?.Where);
            RunReport.Write(result, theSeed, io, json, reproduction, options, needs);
            if (!written) return ExitCodes.BadInput;
            return result.Violations.Count == 0 && result.OutstandingFaultRefs == 0 ? ExitCodes.Ok : ExitCodes.Failed;
        });

        // The command that reproduces this run: the same workload options on the deterministic dispatcher.
        string ReplayCommand(ParseResult r, bool isDeterministic, WorkloadOptions options, string memText) =>
            string.Join(' ', new[] { "actorkvm run --deterministic" }
                .Concat(WorkloadArgs.Spell(options, memText, r.GetValue(w.Backing) ?? [], r.GetValue(w.Bug) ?? [], onClock: r.GetValue(w.InvalidateRate) is not null))
                .Concat(isDeterministic ? [$"--faults {r.GetValue(w.Faults) ?? DeterministicDefaultFaults}"] : []));
    }
}
