using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Stress.Output.Json;

namespace ActorKvm.Stress.Output;

/// <summary>
/// The output of <c>check</c>: a line per scenario as it finishes, the closing <c>N passed, M failed</c>,
/// and with <c>--json</c> one object <c>{scenarios:[{name,file,passed,failure?,violations,malformed}], passed, failed}</c>.
/// </summary>
internal sealed class CheckReport(TextWriter human)
{
    private readonly List<CheckedScenario> _entries = [];

    public int Passed => _entries.Count(e => e.Passed);
    public int Failed => _entries.Count(e => !e.Passed);
    public int Malformed => _entries.Count(e => e.Malformed);

    public void Add(string file, ScenarioOutcome outcome)
    {
        _entries.Add(new CheckedScenario(outcome.Name, file, outcome.Passed, outcome.FailureText, outcome.Violations, false));
        human.WriteLine(outcome.ToString());
    }

    /// <summary>A file that could not be loaded: <c>FAIL FILE: KEYPATH: MESSAGE</c>, counted failed.</summary>
    public void AddMalformed(ScenarioError error)
    {
        var failure = error.KeyPath.Length == 0 ? error.Message : $"{error.KeyPath}: {error.Message}";
        _entries.Add(new CheckedScenario(error.File, error.File, false, failure, [], true));
        human.WriteLine($"FAIL {error}");
    }

    public void WriteSummary() => human.WriteLine($"{Passed} passed, {Failed} failed");

    public void WriteJson(TextWriter to) => JsonOut.Write(to, new CheckSummary(_entries, Passed, Failed), SummaryJson.Default.CheckSummary);
}
