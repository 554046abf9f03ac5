using System.CommandLine;
using ActorKvm.Engine.Exploration;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Model.Bugs;
using ActorKvm.Stress.Cli;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// <c>run --bug NAME</c> for a switch no faithful running workload reaches (its <see cref="BugSwitch.Unreachable"/>): says why
/// in one line, then runs the switch's catalog scenario (<c>scenarios/bugs/NAME.hocon</c>, built into actorkvm) on the
/// seeded scenario runner, as <c>run SCENARIO --seed N</c> would, and reports its violations. The printed replay runs the
/// same scenario with the same seed: the same trace, byte for byte. The workload's options do not apply. Exit 1 when the
/// scenario shows the violation (or misses an expectation), 0 otherwise.
/// </summary>
internal static class RunUnreachableBug
{
    /// <summary>The switch to run this way, or null: exactly one <c>--bug</c>, and one no workload reaches.</summary>
    public static string? Which(IReadOnlyList<string> bugs) => bugs.Distinct().ToList() is [var bug] && BugCatalog.Find(bug)?.Unreachable is not null ? bug : null;

    public static int Execute(string bug, ParseResult r, RunOptions o, (bool Json, bool Quiet, string? Config) common, CliIo io)
    {
        var why = BugCatalog.Find(bug)!.Unreachable;
        var source = BugScenarios.RelativePath(bug);
        var text = BugScenarios.Text(bug) ?? throw new InvalidOperationException($"{source} is not built into actorkvm");
        var loaded = ScenarioLoader.LoadText(text, source);
        var scenario = loaded.Scenario ?? throw new InvalidOperationException($"the built-in {loaded.Error}");
        var tracePath = OptionChecks.TracePath(r.GetValue(o.Trace));
        var seed = r.GetValue(o.Workload.Seed) ?? (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        var human = io.Human(common.Json);
        if (!common.Quiet && !common.Json) human.WriteLine($"actorkvm run: {bug} cannot arise from the running workload: {why}");
        if (!common.Quiet) human.WriteLine($"actorkvm run: seed {seed}, its catalog scenario {scenario.Name} ({source}, built into actorkvm) instead");

        var (outcome, traceSha256, traceBytes) = RunScenario.Run(scenario, [], seed, common.Config);
        var written = tracePath is null || OptionChecks.TryWrite(io, "--trace", tracePath, () => File.WriteAllBytes(tracePath, traceBytes));
        var replay = $"actorkvm run --bug {bug} --seed {seed}";
        human.WriteLine(outcome.Violations.Count > 0 ? $"violations: {string.Join(", ", outcome.Violations)}" : "no violation");
        if (!outcome.Passed) human.WriteLine(outcome.ToString());
        human.WriteLine($"seed {seed}; replay: {replay}");
        if (common.Json)
            RunScenario.WriteJson(io, seed, outcome, traceSha256, x => x with { UnreachableFromWorkload = why, Scenario = source, Replay = replay });
        if (!written) return ExitCodes.BadInput;
        return outcome.Violations.Count > 0 || !outcome.Passed ? ExitCodes.Failed : ExitCodes.Ok;
    }
}
