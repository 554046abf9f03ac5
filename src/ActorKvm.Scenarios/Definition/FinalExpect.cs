namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>The top-level <c>expect</c> object, checked after the last step.</summary>
/// <param name="Violations">Exactly these violation names over the whole run; null = not given (the format's default is none).</param>
/// <param name="ViolationsInclude">These must occur, others may too; null = not given.</param>
/// <param name="RefcountsBalanced">Every page reference taken by a fault was dropped; null = not checked.</param>
/// <param name="Stage2">Stage-2 leaves to inspect.</param>
/// <param name="Dirty">Pending dirty bits per slot.</param>
/// <param name="Findings">Exactly these upstream findings (<c>UpstreamFindings</c> ids) over the run; null = not checked.</param>
public sealed record FinalExpect(
    IReadOnlyList<string>? Violations,
    IReadOnlyList<string>? ViolationsInclude,
    bool? RefcountsBalanced,
    IReadOnlyList<Stage2Expect> Stage2,
    IReadOnlyList<DirtyExpect> Dirty,
    IReadOnlyList<string>? Findings = null)
{
    /// <summary>Key path of the object.</summary>
    public const string Path = "expect";

    /// <summary>Nothing expected.</summary>
    public static FinalExpect None { get; } = new(null, null, null, [], []);

    /// <summary>The key path of one key, e.g. <c>expect.violations</c>.</summary>
    public static string KeyPath(string key) => $"{Path}.{key}";
}
