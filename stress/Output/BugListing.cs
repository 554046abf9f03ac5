using ActorKvm.Engine.Exploration;
using ActorKvm.Model.Bugs;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output.Json;

namespace ActorKvm.Stress.Output;

/// <summary>The output of <c>bugs</c>: name, kernel fix and the rule broken, per catalog entry.</summary>
internal static class BugListing
{
    public static void Write(IReadOnlyList<BugSwitch> bugs, CliIo io, bool json)
    {
        var human = io.Human(json);
        var nameWidth = Math.Max(4, bugs.Count == 0 ? 0 : bugs.Max(b => b.Name.Length));
        var fixWidth = Math.Max(10, bugs.Count == 0 ? 0 : bugs.Max(b => b.KernelFix.Length));
        human.WriteLine($"{"NAME".PadRight(nameWidth)}  {"KERNEL FIX".PadRight(fixWidth)}  RULE BROKEN");
        foreach (var b in bugs)
        {
            var note = b.Modelled ? "" : " [not modelled]";
            human.WriteLine($"{b.Name.PadRight(nameWidth)}  {b.KernelFix.PadRight(fixWidth)}  {b.Invariant}: {b.Rule}{note}");
            if (b.NotModelled is { } why) human.WriteLine($"{"".PadRight(nameWidth)}  {"".PadRight(fixWidth)}  not modelled: {why}");
            else if (b.Unreachable is { } unreachable)
                human.WriteLine($"{"".PadRight(nameWidth)}  {"".PadRight(fixWidth)}  scenario and TestKit only (run --bug runs its scenario), hunt cannot reach it: {unreachable}");
        }
        human.WriteLine($"{bugs.Count} bug switch{(bugs.Count == 1 ? "" : "es")}");
        if (json) JsonOut.Write(io.Out, new BugsSummary([.. bugs.Select(b => new BugEntry(b.Number, b.Name, b.KernelFix, b.Invariant, b.Rule, b.Modelled, b.NotModelled,
            b.Unreachable))]), SummaryJson.Default.BugsSummary);
    }
}
