using System.CommandLine;
using System.Security.Cryptography;
using ActorKvm.Engine;
using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Engine.Tracing;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output;
using ActorKvm.Stress.Output.Json;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// <c>run SCENARIO [--seed N]</c>: a scenario on the actor engine with the seeded deterministic dispatcher choosing the
/// order of its <c>async</c> steps (<see cref="SeededScenarioRun"/>); expectations are checked as <c>check</c> does.
/// Prints <c>PASS name</c> or <c>FAIL name: ...</c> with the seed; the same seed writes the same trace, byte for byte.
/// Exit 0 pass, 1 fail, 2 bad input.
/// </summary>
internal static class RunScenario
{
    public static int Execute(string path, ParseResult r, RunOptions o, (bool Json, bool Quiet, string? Config) common, CliIo io)
    {
        // The workload's knobs have no meaning here: the scenario describes its own VM and steps.
        var given = o.NotWithAScenario.FirstOrDefault(x => r.GetResult(x) is { Implicit: false });
        if (given is not null) throw new CliUserError($"{given.Name}: not with a scenario (it describes its own VM and steps)");
        if (!File.Exists(path)) throw new CliUserError($"{path}: no such file");
        var loaded = ScenarioLoader.LoadFile(path);
        if (loaded.Scenario is not { } scenario) throw new CliUserError(loaded.Error!.ToString());
        var bugs = r.GetValue(o.Workload.Bug) ?? [];
        BugNames.Check(bugs);
        var variants = VariantNames.Check(r.GetValue(o.Workload.Variant));
        var tracePath = OptionChecks.TracePath(r.GetValue(o.Trace));
        var seed = r.GetValue(o.Workload.Seed) ?? (ulong)Random.Shared.NextInt64(1, long.MaxValue);
        var human = io.Human(common.Json);
        if (!common.Quiet) human.WriteLine($"actorkvm run: seed {seed}, scenario {scenario.Name} ({path})");

        var (outcome, traceSha256, traceBytes) = Run(scenario with { Variants = [.. scenario.Variants.Concat(variants.On).Distinct()] }, bugs.Distinct().ToList(), seed, common.Config);
        var written = tracePath is null || OptionChecks.TryWrite(io, "--trace", tracePath, () => File.WriteAllBytes(tracePath, traceBytes));
        human.WriteLine(outcome.ToString());
        if (!outcome.Passed) human.WriteLine($"seed {seed}; replay: actorkvm run {path} --seed {seed}");
        if (common.Json) WriteJson(io, seed, outcome, traceSha256);
        return !written ? ExitCodes.BadInput : outcome.Passed ? ExitCodes.Ok : ExitCodes.Failed;
    }

    /// <summary>
    /// Runs <paramref name="scenario"/> with <paramref name="seed"/> ordering its deliveries. Returns the outcome, the
    /// Chrome trace's SHA-256 (what "the same bytes" compares) and the trace itself, for the caller to write.
    /// </summary>
    public static (ScenarioOutcome Outcome, string TraceSha256, byte[] Trace) Run(ScenarioDefinition scenario, IReadOnlyList<string> bugs, ulong seed, string? config)
    {
        ScenarioOutcome outcome;
        using (var det = new DeterministicSystem(EngineConfig.Load(config)))
            outcome = new SeededScenarioRun(scenario, new ScenarioRunOptions(bugs, null)).Run(det, new SeededStrategy(seed));
        var traceBytes = new MemoryStream();
        ChromeTrace.Write(traceBytes, [(scenario.Name, outcome.Trace ?? [])]);
        return (outcome, Convert.ToHexString(SHA256.HashData(traceBytes.ToArray())), traceBytes.ToArray());
    }

    /// <summary>The JSON object of a seeded scenario run (<see cref="ScenarioRunSummary"/>); <paramref name="more"/> fills its extra members.</summary>
    public static void WriteJson(CliIo io, ulong seed, ScenarioOutcome outcome, string traceSha256, Func<ScenarioRunSummary, ScenarioRunSummary>? more = null) =>
        JsonOut.Write(io.Out, (more ?? (x => x))(ScenarioRunSummary.Of(seed, outcome, traceSha256)), SummaryJson.Default.ScenarioRunSummary);
}
