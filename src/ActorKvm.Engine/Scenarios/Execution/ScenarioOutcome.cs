using ActorKvm.Model.Oracle;

namespace ActorKvm.Engine.Scenarios.Execution;

/// <summary>
/// The result of running one scenario. When it failed, <paramref name="FailureKeyPath"/> names the first
/// expectation that did not hold, with either <paramref name="Expected"/>/<paramref name="Actual"/> or a
/// <paramref name="Message"/>.
/// </summary>
/// <param name="Name">Scenario name.</param>
/// <param name="Passed">True when every expectation held.</param>
/// <param name="FailureKeyPath">Key path of the failed expectation (<c>steps[4].expect.faults</c>), or null.</param>
/// <param name="Expected">Expected value as scenario text (<c>[retry, map]</c>), or null.</param>
/// <param name="Actual">Actual value as scenario text (<c>[map]</c>), or null.</param>
/// <param name="Message">Free-text reason (<c>unfinished step f1</c>), or null.</param>
/// <param name="Violations">Names of the oracle violations seen over the whole run, in order of first occurrence.</param>
public sealed record ScenarioOutcome(
    string Name,
    bool Passed,
    string? FailureKeyPath,
    string? Expected,
    string? Actual,
    string? Message,
    IReadOnlyList<string> Violations)
{
    /// <summary>The phases the run drove, when a trace was asked for (<c>--trace</c>).</summary>
    public IReadOnlyList<Tracing.PhaseEvent>? Trace { get; init; }

    /// <summary>
    /// The oracle's violation a failure line names (kind, detail and where, e.g. <c>stale-mapping: leaf ... (at steps[2])</c>):
    /// the first one the scenario did not expect, else the first; null when there was none.
    /// </summary>
    public string? Violation { get; init; }

    /// <summary>The violation a FAIL line of <paramref name="scenario"/> should name (see <see cref="Violation"/>).</summary>
    public static string? NameViolation(Definition.ScenarioDefinition scenario, IReadOnlyList<Violation> violations)
    {
        if (violations.Count == 0) return null;
        var expected = scenario.Steps.SelectMany(s => (s.Expect.Violations ?? []).Concat(s.Expect.ViolationsInclude ?? []))
            .Concat(scenario.Expect.Violations ?? []).Concat(scenario.Expect.ViolationsInclude ?? []).ToHashSet();
        return (violations.FirstOrDefault(v => !expected.Contains(v.Kind.Name())) ?? violations[0]).ToString();
    }

    /// <summary>A pass.</summary>
    public static ScenarioOutcome Pass(string name, IReadOnlyList<string>? violations = null) =>
        new(name, true, null, null, null, null, violations ?? []);

    /// <summary>A failed comparison: <c>KEYPATH: expected E, got A</c>.</summary>
    public static ScenarioOutcome Mismatch(string name, string keyPath, string expected, string actual, IReadOnlyList<string>? violations = null) =>
        new(name, false, keyPath, expected, actual, null, violations ?? []);

    /// <summary>A failure with a message: <c>KEYPATH: MESSAGE</c>.</summary>
    public static ScenarioOutcome Fail(string name, string? keyPath, string message, IReadOnlyList<string>? violations = null) =>
        new(name, false, keyPath, null, null, message, violations ?? []);

    /// <summary>
    /// Why it failed, as printed after <c>FAIL name: </c>: <c>KEYPATH: expected E, got A</c> or
    /// <c>KEYPATH: MESSAGE</c> (the key path left out when null); null for a pass.
    /// </summary>
    public string? FailureText
    {
        get
        {
            if (Passed) return null;
            var what = Expected is not null && Actual is not null
                ? $"expected {Expected}, got {Actual}"
                : Message ?? "failed";
            var text = FailureKeyPath is { Length: > 0 } k ? $"{k}: {what}" : what;
            return Violation is null ? text : $"{text}; oracle: {Violation}";
        }
    }

    /// <summary>The CLI line: <c>PASS name</c> or <c>FAIL name: ...</c>.</summary>
    public override string ToString() => Passed ? $"PASS {Name}" : $"FAIL {Name}: {FailureText}";
}
