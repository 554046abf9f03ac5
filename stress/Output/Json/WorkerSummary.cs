namespace ActorKvm.Stress.Output.Json;

/// <summary>The <c>worker --json</c> object: the node, its lanes, the schedules it explored and how it ended.</summary>
internal sealed record WorkerSummary(string Node, int Lanes, long Schedules, string End, string Detail);
