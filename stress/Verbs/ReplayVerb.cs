using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using ActorKvm.Engine;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Tracing;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Bugs;
using ActorKvm.Model.Host;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output;
using ActorKvm.Stress.Output.Json;
using ActorKvm.Stress.Schedules;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// <c>replay</c>: re-runs one schedule on the deterministic dispatcher and prints its trace, one line per phase: a
/// schedule of the race workload from <c>--seed</c> alone, or a schedule file (<c>--schedule FILE</c>: a hunt's choices or a
/// free-running <c>run</c>'s recorded delivery order, which carries its own seed, bugs and workload options; an earlier
/// hunt's bare choice list is given its <c>--seed</c> and options again). The same inputs print the same bytes. Exit 0 clean, 1 violation, 2 bad input.
/// </summary>
internal static class ReplayVerb
{
    public static Command Create(CommonOptions common, CliIo io)
    {
        var w = new WorkloadArgs(WorkloadVerb.Replay);
        var schedule = new Option<string?>("--schedule") { Description = "A schedule file saved by hunt or run (it carries its own options), or an earlier hunt's choice list", HelpName = "FILE" };
        var trace = new Option<string?>("--trace") { Description = "Also write the Chrome trace-event JSON", HelpName = "FILE" };
        var goOn = new Option<bool>("--go-on") { Description = "Print the whole replay, not only up to the first violation" };
        var explain = new Option<bool>("--explain") { Description = "Tell the race in kernel terms (snapshot, invalidation, retry check, map, rule), stopping at the first violation" };
        var command = new Command("replay", "Re-run one seeded schedule and print its trace") { schedule, trace, goOn, explain };
        foreach (var o in w.Taken) command.Add(o);
        command.SetAction(r =>
        {
            var (json, _, config) = common.Read(r);
            var tracePath = OptionChecks.TracePath(r.GetValue(trace));
            if (r.GetValue(schedule) is { } named)
            {
                if (InputFiles.Stat(named) is { Kind: not InputFiles.Kind.File } st)
                    throw new CliUserError(st.Kind == InputFiles.Kind.Missing ? $"--schedule: no such file: {named}" : $"--schedule: {named} is {st.What}, not a regular file");
                if (ScheduleFile.IsSelfDescribing(named))
                {
                    var given = w.Taken.FirstOrDefault(x => r.GetResult(x) is { Implicit: false });
                    if (given is not null) throw new CliUserError($"{given.Name}: {named} carries its own seed, bugs and workload options; replay it with --schedule alone");
                    var saved = Load(named);
                    if (saved.Header.Kind == ScheduleKinds.Hunt)
                        return Finish(StressRun.RunDeterministic(saved.Header.Workload, new ReplayStrategy(saved.Choices), EngineConfig.Load(config), new BugSet(saved.Header.Bugs), trace: true),
                            r.GetValue(explain), r.GetValue(goOn), tracePath, json, io);
                    return ReplayRecorded(named, saved.ToRecorded(), EngineConfig.Load(config), tracePath, json, io, r.GetValue(explain));
                }
            }
            var bugs = BugNames.Check(r.GetValue(w.Bug) ?? []);
            var options = w.Bind(r, HuntOptions.RaceMix);
            var theSeed = r.GetValue(w.Seed) ?? throw new CliUserError("--seed: required (unless --schedule names a schedule file, which carries its own)");
            ISchedulingStrategy strategy = new SeededStrategy(theSeed);
            if (r.GetValue(schedule) is { } file)
            {
                var text = InputFiles.ReadText(file, out var error) ?? throw new CliUserError($"--schedule: {file}: {error}");
                if (!LegacySchedules.TryParseChoices(text, out var choices)) throw new CliUserError($"--schedule: {file}: expected comma-separated choice indices");
                if (LegacySchedules.HuntHeader(text) is { } found)
                {
                    var given = (r.GetValue(w.Bug) ?? []).Order(StringComparer.Ordinal);
                    if (found.Seed != theSeed || !found.Bugs.Order(StringComparer.Ordinal).SequenceEqual(given))
                        throw new CliUserError($"--schedule: {file} was found with --seed {found.Seed}{string.Concat(found.Bugs.Select(b => $" --bug {b}"))}; with other ones it replays another run");
                }
                strategy = new ReplayStrategy(choices);
            }
            options = options with { Seed = theSeed };
            if (options.Mte) Backings.CheckMte(options.Backings, "--mte");
            if (WorkloadVm.DoesNotFit(options) is { } tooBig) throw new CliUserError($"--memory: {r.GetValue(w.Memory)}: {tooBig}");
            var result = StressRun.RunDeterministic(options, strategy, EngineConfig.Load(config), bugs, trace: true);
            return Finish(result, r.GetValue(explain), r.GetValue(goOn), tracePath, json, io);
        });
        return command;
    }

    /// <summary>A seeded replay's trace file and printout (<c>--explain</c>: the race told instead).</summary>
    private static int Finish(StressResult result, bool explain, bool goOn, string? tracePath, bool json, CliIo io)
    {
        var written = tracePath is null || OptionChecks.TryWrite(io, "--trace", tracePath, () => ChromeTrace.WriteFile(tracePath, result.Trace!));
        if (explain && !json)
        {
            foreach (var line in RaceStory.Tell(result.Trace!)) io.Out.WriteLine(line);
            return written ? (Hunter.FirstProblem(result) is null ? ExitCodes.Ok : ExitCodes.Failed) : ExitCodes.BadInput;
        }
        var code = Print(result, result.Trace!.Events, json, io, goOn);
        return written ? code : ExitCodes.BadInput;
    }

    private static ScheduleFile Load(string file)
    {
        try
        {
            return ScheduleFile.Load(file);
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            throw new CliUserError($"--schedule: {file}: {e.Message}");
        }
    }

    /// <summary>Replays a free-running run's recorded delivery order (<c>run</c> saved it on a violation).</summary>
    private static int ReplayRecorded(string file, RecordedSchedule schedule, Akka.Configuration.Config config, string? tracePath, bool json, CliIo io, bool explain)
    {
        var outcome = StressReplay.Replay(schedule, config, trace: true);
        if (outcome.Divergence is not null)
            throw new CliUserError($"--schedule: {file}: the replay left the recording at {outcome.Divergence} (recorded by another version of the model?)");
        // Every delivery can fit the recording and still end elsewhere (a header that does not match its entries).
        var replayed = Hunter.FirstProblem(outcome.Result)?.ToString().ReplaceLineEndings(" ");
        if (schedule.FirstViolation is { } recordedFirst && replayed != recordedFirst)
            throw new CliUserError($"--schedule: {file}: the replay did not reach the recorded violation '{recordedFirst}' (got: {replayed ?? "none"})");
        var events = outcome.Result.Trace!.Events.Take(outcome.TraceEvents).ToList();
        var written = tracePath is null || OptionChecks.TryWrite(io, "--trace", tracePath, () =>
        {
            using var stream = File.Create(tracePath);
            ChromeTrace.Write(stream, events);
        });
        if (explain && !json)
        {
            // The same story as a hunt's replay: the recorder saw the whole replay, the recording's part included.
            foreach (var line in RaceStory.Tell(outcome.Result.Trace!)) io.Out.WriteLine(line);
            return written ? (replayed is null ? ExitCodes.Ok : ExitCodes.Failed) : ExitCodes.BadInput;
        }
        var code = Print(outcome.Result, events, json, io, goOn: true);
        return written ? code : ExitCodes.BadInput;
    }

    /// <summary>
    /// The trace, one line per phase, and the verdict; or the JSON summary with the hash of the whole trace text. The
    /// human text stops at the delivery where the first violation was seen, unless <paramref name="goOn"/> (the
    /// replay itself always runs to its end, so the verdict and the hash are those of the whole schedule).
    /// </summary>
    private static int Print(StressResult result, IReadOnlyList<PhaseEvent> events, bool json, CliIo io, bool goOn)
    {
        var text = new StringBuilder();
        var shown = new StringBuilder();
        var stopAt = goOn ? null : result.FirstViolationAt;
        var hidden = 0;
        foreach (var e in events)
        {
            var line = $"{e.Start} {e.Track} #{e.Activity} {e.Kind} {e.Phase}\n";
            text.Append(line);
            if (stopAt is { } at && e.Start > at) hidden++;
            else shown.Append(line);
        }
        if (hidden > 0) shown.Append($"... stopped at the first violation (delivery {stopAt}); {hidden} more phase line(s): --go-on prints them\n");
        var problem = Hunter.FirstProblem(result);
        var verdict = problem is null ? "violations 0\n" : $"violations {result.Violations.Count}; first: {problem}\n";
        text.Append(verdict);
        shown.Append(verdict);
        if (json)
            JsonOut.Write(io.Out, new ReplaySummary(result.Stats.Faults, events.Count, result.Schedule?.Deliveries,
                Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))), result.Violations.Count, problem?.ToString()), SummaryJson.Default.ReplaySummary);
        else io.Out.Write(shown.ToString());
        return problem is null ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
