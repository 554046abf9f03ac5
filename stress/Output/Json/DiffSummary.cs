namespace ActorKvm.Stress.Output.Json;

/// <summary>The <c>diff --json</c> object: the kernel (and the booted machine's features), counts, and one row per scenario.</summary>
internal sealed record DiffSummary(string Kernel, string? Machine, int Agree, int Disagree, int Skipped, int Malformed, int Observations, double Seconds,
    IReadOnlyList<DiffRow> Scenarios);

/// <summary>One scenario of a diff: agree, disagree (with the first difference) or skip (with the reason).</summary>
internal sealed record DiffRow(string Name, string Status, string? Difference, string? Reason);
