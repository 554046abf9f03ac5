using System.Text.Json;
using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Engine.Scenarios.Loading;

namespace ActorKvm.Stress.Output;

/// <summary>
/// The output of <c>check</c>: a line per scenario as it finishes, the closing <c>N passed, M failed</c>,
/// and with <c>--json</c> one object <c>{scenarios:[{name,file,passed,failure?,violations,malformed}], passed, failed}</c>.
/// </summary>
internal sealed class CheckReport(TextWriter human)
{
    private sealed record Entry(string Name, string File, bool Passed, string? Failure, IReadOnlyList<string> Violations, bool Malformed);

    private readonly List<Entry> _entries = [];

    public int Passed => _entries.Count(e => e.Passed);
    public int Failed => _entries.Count(e => !e.Passed);
    public int Malformed => _entries.Count(e => e.Malformed);

    public void Add(string file, ScenarioOutcome outcome)
    {
        _entries.Add(new Entry(outcome.Name, file, outcome.Passed, outcome.FailureText, outcome.Violations, false));
        human.WriteLine(outcome.ToString());
    }

    /// <summary>A file that could not be loaded: <c>FAIL FILE: KEYPATH: MESSAGE</c>, counted failed.</summary>
    public void AddMalformed(ScenarioError error)
    {
        var failure = error.KeyPath.Length == 0 ? error.Message : $"{error.KeyPath}: {error.Message}";
        _entries.Add(new Entry(error.File, error.File, false, failure, [], true));
        human.WriteLine($"FAIL {error}");
    }

    public void WriteSummary() => human.WriteLine($"{Passed} passed, {Failed} failed");

    public void WriteJson(TextWriter to) => JsonOut.Write(to, w =>
    {
        w.WriteStartArray("scenarios");
        foreach (var e in _entries)
        {
            w.WriteStartObject();
            w.WriteString("name", e.Name);
            w.WriteString("file", e.File);
            w.WriteBoolean("passed", e.Passed);
            if (e.Failure is not null) w.WriteString("failure", e.Failure);
            JsonOut.WriteStrings(w, "violations", e.Violations);
            w.WriteBoolean("malformed", e.Malformed);
            w.WriteEndObject();
        }
        w.WriteEndArray();
        w.WriteNumber("passed", Passed);
        w.WriteNumber("failed", Failed);
    });
}
