using ActorKvm.Engine.Scenarios.Execution;

namespace ActorKvm.Stress.Output.Json;

/// <summary>
/// The <c>run SCENARIO --json</c> object; <c>run --bug NAME</c> for a switch no workload reaches adds why, the catalog
/// scenario it ran instead and the replay command.
/// </summary>
internal sealed record ScenarioRunSummary(ulong Seed, string Name, bool Passed, string? Failure, IReadOnlyList<string> Violations, int Phases, string TraceSha256)
{
    public string? UnreachableFromWorkload { get; init; }
    public string? Scenario { get; init; }
    public string? Replay { get; init; }

    public static ScenarioRunSummary Of(ulong seed, ScenarioOutcome o, string traceSha256) =>
        new(seed, o.Name, o.Passed, o.FailureText, o.Violations, o.Trace?.Count ?? 0, traceSha256);
}
