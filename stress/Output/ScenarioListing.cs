using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output.Json;

namespace ActorKvm.Stress.Output;

/// <summary>The output of <c>scenarios</c>: name and description per valid file; invalid files noted on stderr.</summary>
internal static class ScenarioListing
{
    public static void Write(IReadOnlyList<ScenarioLoadResult> results, CliIo io, bool json)
    {
        var valid = results.Where(r => r.IsOk).Select(r => r.Scenario!).ToList();
        var human = io.Human(json);
        var width = valid.Count == 0 ? 0 : valid.Max(s => s.Name.Length);
        foreach (var s in valid)
            human.WriteLine(s.Description is { Length: > 0 } d ? $"{s.Name.PadRight(width)}  {d}" : s.Name);
        foreach (var r in results.Where(r => !r.IsOk))
            io.Err.WriteLine($"invalid: {r.Error}");
        human.WriteLine($"{valid.Count} scenario{(valid.Count == 1 ? "" : "s")}");
        if (!json) return;
        JsonOut.Write(io.Out, new ScenariosSummary([.. valid.Select(s => new ScenarioEntry(s.Name, s.Description, s.SourcePath))],
            [.. results.Where(r => !r.IsOk).Select(r => new InvalidScenario(r.File, r.Error!.ToString()))]), SummaryJson.Default.ScenariosSummary);
    }
}
