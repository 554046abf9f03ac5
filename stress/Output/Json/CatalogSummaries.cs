using System.Text.Json.Serialization;

namespace ActorKvm.Stress.Output.Json;

/// <summary>The <c>variants --json</c> object.</summary>
internal sealed record VariantsSummary(IReadOnlyList<VariantEntry> Variants);

/// <summary>One registered variant: its name, the change and where in the kernel it is.</summary>
internal sealed record VariantEntry(string Name, string Change, string Where);

/// <summary>The <c>bugs --json</c> object.</summary>
internal sealed record BugsSummary(IReadOnlyList<BugEntry> Bugs);

/// <summary>One bug switch (kebab-case member names, as the catalog's labels have always been printed).</summary>
internal sealed record BugEntry(int Number, string Name, [property: JsonPropertyName("kernel-fix")] string KernelFix, string Invariant, string Rule, bool Modelled,
    [property: JsonPropertyName("not-modelled")] string? NotModelled, [property: JsonPropertyName("not-huntable")] string? NotHuntable);

/// <summary>The <c>scenarios --json</c> object: valid files, then invalid ones with their error.</summary>
internal sealed record ScenariosSummary(IReadOnlyList<ScenarioEntry> Scenarios, IReadOnlyList<InvalidScenario> Invalid);

/// <summary>One valid scenario (a missing description is written as null).</summary>
internal sealed record ScenarioEntry(string Name, [property: JsonIgnore(Condition = JsonIgnoreCondition.Never)] string? Description, string File);

/// <summary>One scenario file that did not load, and its one-line error.</summary>
internal sealed record InvalidScenario(string File, string Error);
