namespace ActorKvm.Stress.Output.Json;

/// <summary>The <c>hunt SCENARIO... --json</c> object: the retry bound and one entry per explored scenario.</summary>
internal sealed record ScenarioHuntSummary(int MaxRetries, IReadOnlyList<ScenarioHuntEntry> Scenarios);

/// <summary>
/// One scenario's exploration: interleavings explored, whether the reduced space was exhausted (or its estimated size and
/// the share covered), and the failure found with its counterexample file.
/// </summary>
internal sealed record ScenarioHuntEntry(string Name, string Path, long Explored, bool Exhausted)
{
    public double? EstimatedSize { get; init; }
    public double? Coverage { get; init; }
    public int DistinctPhaseOrders { get; init; }
    public long CutByRetryBound { get; init; }
    public long Redundant { get; init; }
    public double ElapsedS { get; init; }
    public string? Failure { get; init; }
    public string? Violation { get; init; }
    public string? Counterexample { get; init; }
    public bool? CounterexampleReproduces { get; init; }
}
