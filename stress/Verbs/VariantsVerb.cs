using System.CommandLine;
using ActorKvm.Model.Variants;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output;
using ActorKvm.Stress.Output.Json;

namespace ActorKvm.Stress.Verbs;

/// <summary><c>variants</c>: lists the registered variants (proposed model changes that are not known bugs).</summary>
internal static class VariantsVerb
{
    public static Command Create(CommonOptions common, CliIo io)
    {
        var command = new Command("variants", "List the variants: proposed model changes (not known bugs) for --variant and compare");
        command.SetAction(r =>
        {
            var (json, _, _) = common.Read(r);
            var human = io.Human(json);
            var width = VariantCatalog.All.Max(v => v.Name.Length);
            foreach (var v in VariantCatalog.All) human.WriteLine($"{v.Name.PadRight(width)}  {v.Change} ({v.Where})");
            human.WriteLine($"{VariantCatalog.All.Count} variant{(VariantCatalog.All.Count == 1 ? "" : "s")}");
            if (json) JsonOut.Write(io.Out, new VariantsSummary([.. VariantCatalog.All.Select(v => new VariantEntry(v.Name, v.Change, v.Where))]), SummaryJson.Default.VariantsSummary);
            return ExitCodes.Ok;
        });
        return command;
    }
}
