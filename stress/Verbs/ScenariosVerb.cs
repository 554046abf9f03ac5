using System.CommandLine;
using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output;

namespace ActorKvm.Stress.Verbs;

/// <summary><c>scenarios [DIR]</c>: lists the scenarios of a directory (default: the shipped ones) with their descriptions.</summary>
internal static class ScenariosVerb
{
    public static Command Create(CommonOptions common, CliIo io, CliContext context)
    {
        var command = new Command("scenarios", "List shipped (or given) scenarios with their descriptions");
        var dir = new Argument<string?>("dir") { Arity = ArgumentArity.ZeroOrOne, HelpName = "DIR", Description = "Directory to list (default: scenarios/ at the repository root)" };
        command.Add(dir);
        command.SetAction(r =>
        {
            var (json, _, _) = common.Read(r);
            var path = r.GetValue(dir) ?? context.DefaultScenariosDirectory;
            if (!Directory.Exists(path)) throw new CliUserError($"no such directory: {path}");
            var results = ScenarioLoader.LoadDirectory(path);
            ScenarioListing.Write(results, io, json);
            return ExitCodes.Ok;
        });
        return command;
    }
}
