using System.Text;
using System.Text.Json;
using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Engine.Scenarios.Execution;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Engine.Scenarios.Loading.Tree;
using ActorKvm.Engine.Tracing;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Exploration.Interleavings;

/// <summary>
/// Turns a failing schedule of a scenario into a plain scenario file that forces the same order with
/// <c>pause-at</c>/<c>resume</c> steps, so that <c>actorkvm check</c> reproduces it without a seed or a schedule:
/// a regression test to commit. The original file's keys are kept as written; only the steps that ran concurrently
/// (an <c>async</c> group up to its <c>join</c>) are rewritten: each switch between activities becomes a pause at the
/// last phase the running one completed, and a later <c>resume</c> lets it continue to its next pause.
/// </summary>
public static class CounterexampleWriter
{
    /// <summary>
    /// The counterexample text for <paramref name="failure"/> of <paramref name="scenario"/> (read from
    /// <paramref name="sourceText"/>), with <paramref name="bugs"/> and <paramref name="variants"/> written into it;
    /// or null and the reason when the schedule cannot be written as steps.
    /// </summary>
    public static (string? Text, string? Why) Write(ScenarioDefinition scenario, string sourceText, ExploredFailure failure,
        IReadOnlyList<string> bugs, IReadOnlyList<string> variants)
    {
        SNode root;
        try
        {
            root = ScenarioLoader.ParseTree(sourceText, scenario.SourcePath);
        }
        catch (ScenarioParseException e)
        {
            return (null, $"cannot re-read {scenario.SourcePath}: {e.Message}");
        }
        if (root is not SObject top || top.Members.FirstOrDefault(m => m.Key == "steps").Value is not SArray stepNodes
            || stepNodes.Items.Count != scenario.Steps.Count)
            return (null, "the scenario's steps could not be matched to the file");

        var ids = new HashSet<string>(scenario.Steps.Where(s => s.Id is not null).Select(s => s.Id!), StringComparer.Ordinal);
        var steps = new List<SNode>();
        var group = new List<int>();
        for (var i = 0; i <= scenario.Steps.Count; i++)
        {
            var step = i < scenario.Steps.Count ? scenario.Steps[i] : null;
            if (step is { Async: true })
            {
                if (step.PauseAt is not null) return (null, $"{step.Path}: an async step with pause-at is not rewritten");
                group.Add(i);
                continue;
            }
            if (group.Count > 0)
            {
                if (step is not null and not JoinStep) return (null, $"{step.Path}: a step that runs while async steps are in flight is not rewritten");
                if (Group(scenario, stepNodes, group, failure, ids, steps) is { } why) return (null, why);
                group.Clear();
                continue; // the join: nothing is async any more
            }
            if (step is not null) steps.Add(stepNodes.Items[i]);
        }

        var members = new List<KeyValuePair<string, SNode>>();
        foreach (var (key, value) in top.Members)
        {
            switch (key)
            {
                case "name": members.Add(new(key, Text($"{scenario.Name}-counterexample"))); break;
                case "description": break;
                case "steps": members.Add(new(key, new SArray(steps))); break;
                case "bugs": case "variants": break;
                default: members.Add(new(key, value)); break;
            }
        }
        var allBugs = scenario.Bugs.Concat(bugs).Distinct().ToList();
        var allVariants = scenario.Variants.Concat(variants).Distinct().ToList();
        members.Insert(1, new("description", Text($"actorkvm hunt found this order of {scenario.Name}: {Describe(failure)}")));
        if (allBugs.Count > 0) members.Insert(2, new("bugs", new SArray(allBugs.Select(Text).ToList())));
        if (allVariants.Count > 0) members.Insert(2, new("variants", new SArray(allVariants.Select(Text).ToList())));

        var sb = new StringBuilder();
        sb.Append("# Written by `actorkvm hunt ").Append(scenario.SourcePath).Append("`: the failing interleaving as pause-at/resume steps.\n");
        sb.Append("# `actorkvm check` on this file reproduces it: ").Append(Describe(failure).ReplaceLineEndings(" ")).Append('\n');
        foreach (var (key, value) in members)
        {
            sb.Append(Key(key)).Append(" = ");
            if (key == "steps" && value is SArray a)
            {
                sb.Append("[\n");
                foreach (var s in a.Items) sb.Append("  ").Append(Hocon(s)).Append('\n');
                sb.Append("]\n");
            }
            else sb.Append(Hocon(value)).Append('\n');
        }
        return (sb.ToString(), null);
    }

    /// <summary>
    /// Runs a written counterexample as <c>actorkvm check</c> does (the pure-model engine) and tells whether it fails with
    /// the same violation (kind and subject) as <paramref name="failure"/> — or, when that had none, fails at all.
    /// </summary>
    public static (bool Reproduces, ScenarioOutcome? Outcome, string? Why) Verify(string text, string path, ExploredFailure failure)
    {
        var loaded = ScenarioLoader.LoadText(text, path);
        if (loaded.Scenario is not { } sc) return (false, null, loaded.Error!.ToString());
        var run = new ScriptedRun(sc, ScenarioRunOptions.Default);
        var outcome = run.Run();
        if (outcome.Passed) return (false, outcome, "check passes it");
        if (failure.Violation is not { } found) return (true, outcome, null);
        var first = run.Kvm?.Oracle.Violations.FirstOrDefault();
        return first is not null && Hunter.SameViolation(first, found) ? (true, outcome, null)
            : (false, outcome, $"check reports {(first?.ToString() ?? "no violation")}, not {found}");
    }

    private static string Describe(ExploredFailure f) => f.Violation?.ToString() ?? f.Outcome.FailureText ?? "failed";

    /// <summary>Rewrites one async group as the order <paramref name="failure"/> ran its phases in; null when done.</summary>
    private static string? Group(ScenarioDefinition scenario, SArray stepNodes, List<int> group, ExploredFailure failure, HashSet<string> ids, List<SNode> output)
    {
        var activityOfStep = failure.StepOfActivity.Where(kv => group.Contains(kv.Value)).ToDictionary(kv => kv.Key, kv => kv.Value);
        // Segments: maximal runs of one activity's completed phases (a blocked attempt changes nothing and is left out).
        var segments = new List<(int Activity, List<PhaseEvent> Phases)>();
        foreach (var e in failure.Phases)
        {
            if (e.Status == StepStatus.Blocked || !activityOfStep.ContainsKey(e.Activity)) continue;
            if (segments.Count > 0 && segments[^1].Activity == e.Activity) segments[^1].Phases.Add(e);
            else segments.Add((e.Activity, [e]));
        }
        var idOf = new Dictionary<int, string>();
        var started = new HashSet<int>();
        foreach (var (activity, phases) in segments)
        {
            var index = activityOfStep[activity];
            var finishes = phases[^1].Status == StepStatus.Done;
            // A pause stops at the first completion of its phase after the start or resume: split a segment that passes
            // its last phase more than once into as many pause/resume pairs.
            var last = phases[^1].Phase;
            var passes = finishes ? 0 : phases.Count(p => p.Phase == last);
            if (!started.Contains(activity))
            {
                started.Add(activity);
                var id = scenario.Steps[index].Id ?? FreshId(ids, index);
                idOf[activity] = id;
                output.Add(Rewrite((SObject)stepNodes.Items[index], finishes ? null : id, finishes ? null : last));
                passes--;
            }
            else if (finishes) output.Add(Resume(idOf[activity], null));
            for (var p = 0; p < passes; p++) output.Add(Resume(idOf[activity], last));
        }
        // An activity that never ran a phase (it only waited) starts and runs to its end after the others.
        foreach (var (activity, index) in activityOfStep.OrderBy(kv => kv.Value))
            if (!started.Contains(activity)) output.Add(Rewrite((SObject)stepNodes.Items[index], null, null));
        // One still paused where the recorded run stopped (at its failure) runs to its end.
        foreach (var activity in started)
            if (segments.Last(x => x.Activity == activity).Phases[^1].Status != StepStatus.Done) output.Add(Resume(idOf[activity], null));
        return null;
    }

    private static string FreshId(HashSet<string> ids, int index)
    {
        var id = $"s{index}";
        for (var n = 2; !ids.Add(id); n++) id = $"s{index}-{n}";
        return id;
    }

    private static SObject Rewrite(SObject step, string? id, string? pauseAt)
    {
        var members = step.Members.Where(m => m.Key is not ("async" or "id" or "pause-at")).ToList();
        var at = 1; // after op
        if (id is not null) members.Insert(at++, new("id", Text(id)));
        if (pauseAt is not null) members.Insert(at, new("pause-at", Text(pauseAt)));
        return new SObject(members);
    }

    private static SObject Resume(string id, string? pauseAt)
    {
        var members = new List<KeyValuePair<string, SNode>> { new("op", Text("resume")), new("id", Text(id)) };
        if (pauseAt is not null) members.Add(new("pause-at", Text(pauseAt)));
        return new SObject(members);
    }

    private static SScalar Text(string s) => new(s, ScalarKind.Text);

    private static string Key(string key) => key.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_') ? key : JsonSerializer.Serialize(key);

    /// <summary>A value in HOCON (strings quoted, so nothing is re-read as another type).</summary>
    private static string Hocon(SNode node) => node switch
    {
        SObject o => o.Members.Count == 0 ? "{ }" : "{ " + string.Join(", ", o.Members.Where(m => m.Value is not SMissing).Select(m => $"{Key(m.Key)} = {Hocon(m.Value)}")) + " }",
        SArray a => "[ " + string.Join(", ", a.Items.Select(Hocon)) + " ]",
        SScalar { Kind: ScalarKind.Number or ScalarKind.Bool } s => s.Text,
        SScalar { Kind: ScalarKind.Null } => "null",
        SScalar s => JsonSerializer.Serialize(s.Text, UnescapedJson),
        _ => "null",
    };

    private static readonly JsonSerializerOptions UnescapedJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
}
