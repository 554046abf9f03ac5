namespace ActorKvm.Stress.Output.Json;

/// <summary>The <c>replay --json</c> object: the counts and the SHA-256 of the whole trace text.</summary>
internal sealed record ReplaySummary(long Faults, int Phases, long? Deliveries, string TraceSha256, int Violations, string? FirstViolation);
