namespace ActorKvm.Stress.Output.Json;

/// <summary>The <c>check --json</c> object: <c>{scenarios:[{name,file,passed,failure?,violations,malformed}], passed, failed}</c>.</summary>
internal sealed record CheckSummary(IReadOnlyList<CheckedScenario> Scenarios, int Passed, int Failed);

/// <summary>One checked scenario file (a malformed file: its name is the file's).</summary>
internal sealed record CheckedScenario(string Name, string File, bool Passed, string? Failure, IReadOnlyList<string> Violations, bool Malformed);
