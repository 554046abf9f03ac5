using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using ActorKvm.Engine;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Tracing;
using ActorKvm.Engine.Workload;
using ActorKvm.Model.Host;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// <c>replay</c>: re-runs one schedule of the race workload on the deterministic dispatcher — from <c>--seed</c>
/// alone, or a recorded choice sequence (<c>--schedule FILE</c>, as <c>hunt</c> writes) — and prints its trace, one
/// line per phase. The same inputs print the same bytes. Exit 0 clean, 1 violation, 2 bad input.
/// </summary>
internal static class ReplayVerb
{
    public static Command Create(CommonOptions common, CliIo io)
    {
        var w = HuntOptions.RaceMix;
        var seed = new Option<ulong>("--seed") { Description = "The schedule's seed (workload and, without --schedule, dispatcher)", Required = true };
        var schedule = new Option<string?>("--schedule") { Description = "A recorded choice sequence (comma-separated indices)", HelpName = "FILE" };
        var bug = new Option<string[]>("--bug") { Description = "Bug switch on (repeatable)", HelpName = "NAME" };
        var vcpus = new Option<int>("--vcpus") { DefaultValueFactory = _ => w.Vcpus, Description = "vCPUs" };
        var memory = new Option<string>("--memory") { DefaultValueFactory = _ => $"{w.Memory >> 20}M", Description = "Guest memory" };
        var every = new Option<int>("--invalidate-every") { DefaultValueFactory = _ => w.InvalidateEvery, Description = "A host MM operation after every N accesses" };
        var faults = new Option<long>("--faults") { DefaultValueFactory = _ => w.MaxFaults, Description = "Faults in the schedule" };
        var backing = new Option<string[]>("--backing") { Description = "One slot per backing (repeatable)", AllowMultipleArgumentsPerToken = false };
        var mte = new Option<bool>("--mte") { Description = "An MTE VM (hunt's MTE layout)" };
        var trace = new Option<string?>("--trace") { Description = "Also write the Chrome trace-event JSON", HelpName = "FILE" };
        var command = new Command("replay", "Re-run one seeded schedule and print its trace") { seed, schedule, bug, vcpus, memory, every, faults, trace, backing, mte };
        command.SetAction(r =>
        {
            var (json, _, config) = common.Read(r);
            var bugs = BugNames.Check(r.GetValue(bug) ?? []);
            var n = OptionChecks.Vcpus(r.GetValue(vcpus));
            var bytes = OptionChecks.Memory(r.GetValue(memory)!);
            var invalidateEvery = OptionChecks.InvalidateEvery(r.GetValue(every));
            var maxFaults = OptionChecks.Faults(r.GetValue(faults));
            var tracePath = OptionChecks.TracePath(r.GetValue(trace));
            ISchedulingStrategy strategy = new SeededStrategy(r.GetValue(seed));
            if (r.GetValue(schedule) is { } file)
            {
                if (!File.Exists(file)) throw new CliUserError($"--schedule: no such file: {file}");
                if (!ScheduleLog.TryParse(File.ReadAllText(file), out var choices)) throw new CliUserError($"--schedule: {file}: expected comma-separated choice indices");
                strategy = new ReplayStrategy(choices);
            }
            var backings = Backings.Parse(r.GetValue(backing));
            if (r.GetValue(mte) && backings?.Where(b => !b.MteAllowed()).Select(b => b.ToScenarioName()).FirstOrDefault() is { } noMte)
                throw new CliUserError($"--mte: backing {noMte} does not allow MTE (an MTE VM refuses its slot)");
            var options = w with { Backings = backings, Vcpus = n, Memory = bytes, InvalidateEvery = invalidateEvery, MaxFaults = maxFaults, Seed = r.GetValue(seed), Mte = r.GetValue(mte) };
            var result = StressRun.RunDeterministic(options, strategy, EngineConfig.Load(config), bugs, trace: true);

            var text = new StringBuilder();
            foreach (var e in result.Trace!.Events) text.Append($"{e.Start} {e.Track} #{e.Activity} {e.Kind} {e.Phase}\n");
            var problem = Hunter.FirstProblem(result);
            text.Append(problem is null ? "violations 0\n" : $"violations {result.Violations.Count}; first: {problem}\n");
            if (tracePath is not null) ChromeTrace.WriteFile(tracePath, result.Trace);
            if (json)
                JsonOut.Write(io.Out, j =>
                {
                    j.WriteNumber("faults", result.Stats.Faults);
                    j.WriteNumber("phases", result.Trace.Events.Count);
                    j.WriteString("trace_sha256", Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString()))));
                    j.WriteNumber("violations", result.Violations.Count);
                    if (problem is not null) j.WriteString("first_violation", problem.ToString());
                });
            else io.Out.Write(text.ToString());
            return problem is null ? ExitCodes.Ok : ExitCodes.Failed;
        });
        return command;
    }
}
