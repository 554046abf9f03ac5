using System.CommandLine;
using ActorKvm.Model.Bugs;
using ActorKvm.Stress.Cli;
using ActorKvm.Stress.Output;

namespace ActorKvm.Stress.Verbs;

/// <summary><c>bugs</c>: lists the bug switches of the catalog.</summary>
internal static class BugsVerb
{
    public static Command Create(CommonOptions common, CliIo io)
    {
        var command = new Command("bugs", "List the bug switches: name, kernel fix, the rule it breaks");
        command.SetAction(r =>
        {
            var (json, _, _) = common.Read(r);
            BugListing.Write(BugCatalog.All, io, json);
            return ExitCodes.Ok;
        });
        return command;
    }
}
