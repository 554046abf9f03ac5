using System.CommandLine;
using ActorKvm.Stress.Cli;

namespace ActorKvm.Stress.Verbs;

/// <summary>
/// What <c>actorkvm</c> with no verb does. For now: <c>check scenarios/</c> (the repository's shipped
/// scenarios); the stress run will replace it by swapping this one action.
/// </summary>
internal static class DefaultVerb
{
    public static void Configure(RootCommand root, CommonOptions common, CliIo io, CliContext context)
    {
        var options = new CheckOptions();
        options.AddTo(root);
        root.SetAction(r => CheckVerb.Execute([context.DefaultScenariosDirectory], r, common, options, io, context));
    }
}
