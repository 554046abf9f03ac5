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
/// <c>actorkvm run</c>: the built-in stress workload on the actor engine, free-running (real threads) or, with
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
        var (vcpus, duration, faults, seed, memory, backing, bug, deterministic, trace) = (o.Vcpus, o.Duration, o.Faults, o.Seed, o.Memory, o.Backing, o.Bug, o.Deterministic, o.Trace);
        command.SetAction(r =>
        {
            var (json, quiet, config) = common.Read(r);
            if (r.GetValue(o.ModelledTime)) return ModelledTimeRun.Execute(r, o, (json, quiet, config), io);
            if (scenario is not null && r.GetValue(scenario) is { } scenarioPath)
            {
                OptionChecks.FlagValue(r, scenarioPath);
                return RunScenario.Execute(scenarioPath, r, o, (json, quiet, config), io);
            }
            var isDeterministic = r.GetValue(deterministic);
            // Layers: akka.hocon's actorkvm.run, then --config FILE, then the options given on the command line.
            var akka = EngineConfig.Load(config);
            var d = RunDefaults.From(akka);
            T Layered<T>(Option<T> option, T fromConfig) => r.GetResult(option) is { Implicit: false } ? r.GetValue(option)! : fromConfig;
            var sweep = RunSweep.ParseVcpus(Layered(vcpus, d.Vcpus.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            var n = sweep[0];
            if (isDeterministic && r.GetResult(duration) is { Implicit: false })
                throw new CliUserError("--duration: a --deterministic run is bounded by --faults, never by the clock");
            var time = DurationParser.Parse("--duration", Layered(duration, d.Duration));
            var memText = Layered(memory, d.Memory);
            var bytes = OptionChecks.Memory(memText);
            var backings = Backings.Parse(r.GetValue(backing));
            var bugs = r.GetValue(bug) ?? [];
            var bugSet = BugNames.Check(bugs);
            var variants = VariantNames.Check(r.GetValue(o.Variant));
            if (RunUnreachableBug.Which(bugs) is { } unreachable) return RunUnreachableBug.Execute(unreachable, r, o, (json, quiet, config), io);
            var maxFaults = OptionChecks.Faults(r.GetValue(faults) ?? (isDeterministic ? DeterministicDefaultFaults : long.MaxValue));
            var tracePath = OptionChecks.TracePath(r.GetValue(trace));
            var theSeed = r.GetValue(seed) ?? (ulong)Random.Shared.NextInt64(1, long.MaxValue);
            var every = OptionChecks.InvalidateEvery(Layered(o.InvalidateEvery, d.InvalidateEvery));
            double rate = 0;
            if (r.GetValue(o.InvalidateRate) is { } rateText)
            {
                if (isDeterministic) throw new CliUserError("--invalidate-rate: a --deterministic run has no clock; use --invalidate-every N (accesses)");
                rate = ParseRate(rateText);
                every = 0;
            }

            WorkloadOptions options = new(n, bytes, backings, InvalidateEvery: every,
                DirtyLog: Layered(o.DirtyLog, d.DirtyLog), MemslotChurn: Layered(o.MemslotChurn, d.MemslotChurn), Seed: theSeed, MaxFaults: maxFaults, InvalidateRate: rate);
            options = ProtectedNestedOptions.Apply(r, o, options) with { Mte = Layered(o.Mte, d.Mte), MapFixedReplace = r.GetValue(o.MapFixed), Variants = variants };
            if (options.Mte) Backings.CheckMte(options.Backings, "--mte");
            (options, var needs) = RunNeeds.Apply(r, o, options, bugs);
            if (options.Memory != bytes) memText = RunNeeds.MemoryText(options.Memory);
            n = options.Vcpus;
            if (Engine.Workload.WorkloadVm.DoesNotFit(options) is { } tooBig) throw new CliUserError($"--memory: {memText}: {tooBig}");
            if (sweep.Count > 1)
            {
                if (tracePath is not null) throw new CliUserError("--trace: a sweep (--vcpus with a list) writes no trace; run one vCPU count");
                if (!isDeterministic && rate == 0)
                    throw new CliUserError("--vcpus: a free-running sweep holds the host-operation rate fixed: give --invalidate-rate N/s");
                var sweepRecord = r.GetResult(o.Record) is { Implicit: false } && r.GetValue(o.Record);
                return RunSweep.Execute(sweep, options, time, isDeterministic, sweepRecord, akka, bugSet, io, json, quiet);
            }
            var record = Layered(o.Record, d.RecordFor(n)) && !isDeterministic;
            var scheduleDir = r.GetValue(o.ScheduleDir)!;
            if (record) OptionChecks.ScheduleDir(scheduleDir);
            var human = io.Human(json);
            var bounds = isDeterministic ? $"deterministic, {maxFaults} faults" : $"{time.TotalSeconds:0.#}s";
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

        static double ParseRate(string text)
        {
            var t = text.EndsWith("/s", StringComparison.Ordinal) ? text[..^2] : text;
            return double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) && v > 0 && v <= 1_000_000
                ? v
                : throw new CliUserError($"--invalidate-rate: expected a rate such as 500/s (0 < N <= 1000000), got '{text}'");
        }

        // The command that reproduces this run: the same workload options on the deterministic dispatcher.
        string ReplayCommand(ParseResult r, bool isDeterministic, WorkloadOptions w, string memText)
        {
            var parts = new List<string> { "actorkvm run --deterministic", $"--seed {w.Seed}", $"--vcpus {w.Vcpus}", $"--memory {memText}" };
            parts.AddRange((r.GetValue(backing) ?? []).Select(b => $"--backing {b}"));
            parts.AddRange((r.GetValue(bug) ?? []).Select(b => $"--bug {b}"));
            parts.AddRange(w.Variants.On.Select(v => $"--variant {v}"));
            if (r.GetValue(o.InvalidateRate) is null) parts.Add($"--invalidate-every {w.InvalidateEvery}");
            parts.Add($"--dirty-log {(w.DirtyLog ? "true" : "false")}");
            parts.Add($"--memslot-churn {(w.MemslotChurn ? "true" : "false")}");
            // Always spelled out: a --bug whose switch needs one of them would otherwise turn it on in the replay.
            parts.Add($"--mte {(w.Mte ? "true" : "false")}");
            parts.Add($"--map-fixed {(w.MapFixedReplace ? "true" : "false")}");
            if (w.Protected) parts.Add("--protected");
            if (w.Nested) parts.Add("--nested");
            if (isDeterministic) parts.Add($"--faults {r.GetValue(faults) ?? DeterministicDefaultFaults}");
            return string.Join(' ', parts);
        }
    }
}
