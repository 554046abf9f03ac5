using System.CommandLine;
using ActorKvm.Stress.Cli;

namespace ActorKvm.Stress.Verbs;

/// <summary>What <c>actorkvm</c> with no verb does: <c>run</c> — the built-in stress workload, the main job (cli.md).</summary>
internal static class DefaultVerb
{
    public static void Configure(RootCommand root, CommonOptions common, CliIo io) => RunVerb.Configure(root, common, io);
}
