using System.CommandLine;
using ActorKvm.Cluster.Hosting;
using ActorKvm.Stress.Cli;

namespace ActorKvm.Stress.Verbs;

/// <summary>Where a node of a cluster hunt listens and whom it joins, checked: the settings with the command line's port and seeds applied.</summary>
internal sealed record ClusterStart(ClusterHuntSettings Settings, int Port, IReadOnlyList<string> Seeds);

/// <summary>The cluster options of <c>hunt</c> and <c>worker</c> (<c>--cluster</c>, <c>--port</c>, <c>--seed-node</c>) over <c>actorkvm.cluster</c>.</summary>
internal sealed class ClusterArgs
{
    public Option<bool> Cluster { get; } = new("--cluster") { Description = "Spread the hunt over an Akka.Cluster: coordinate (and work) here; workers join with actorkvm worker" };
    public Option<int?> Port { get; } = new("--port") { Description = "This node's port (default: actorkvm.cluster.port for hunt, any free port for worker; 0: any)", HelpName = "P" };
    public Option<string[]> SeedNode { get; } = new("--seed-node") { Description = "A cluster node to join, host:port (repeatable)", HelpName = "ADDR", AllowMultipleArgumentsPerToken = false };

    /// <summary><c>hunt</c>'s cluster start, or null without <c>--cluster</c>.</summary>
    public ClusterStart? ReadHunt(ParseResult r, string? config)
    {
        if (!r.GetValue(Cluster))
        {
            if (r.GetResult(Port) is { Implicit: false }) throw new CliUserError("--port: only with --cluster");
            if (r.GetResult(SeedNode) is { Implicit: false }) throw new CliUserError("--seed-node: only with --cluster");
            return null;
        }
        var s = Settings(config);
        return new ClusterStart(s, CheckPort(r.GetValue(Port) ?? s.Port), Seeds(r) ?? s.SeedNodes);
    }

    /// <summary><c>worker</c>'s cluster start: it must be given a node to join.</summary>
    public ClusterStart ReadWorker(ParseResult r, string? config)
    {
        var s = Settings(config);
        var seeds = Seeds(r) ?? s.SeedNodes;
        if (seeds.Count == 0) throw new CliUserError("--seed-node: required (the hunt's host:port), or actorkvm.cluster.seed-nodes in --config");
        return new ClusterStart(s, CheckPort(r.GetValue(Port) ?? s.WorkerPort), seeds);
    }

    private List<string>? Seeds(ParseResult r)
    {
        var given = r.GetValue(SeedNode);
        if (given is null || given.Length == 0) return null;
        try
        {
            return given.Select(x => ClusterHuntSettings.SeedAddress(x, "--seed-node")).ToList();
        }
        catch (FormatException e)
        {
            throw new CliUserError(e.Message);
        }
    }

    private static int CheckPort(int port) => port is >= 0 and <= 65535 ? port : throw new CliUserError($"--port: expected 0..65535, got {port}");

    private static ClusterHuntSettings Settings(string? config)
    {
        try
        {
            return ClusterHuntSettings.From(Engine.EngineConfig.Load(config));
        }
        catch (Exception e) when (e is FormatException or Akka.Configuration.ConfigurationException)
        {
            throw new CliUserError($"{(config is null ? "akka.hocon" : $"--config: {config}")}: {e.Message.ReplaceLineEndings(" ")}");
        }
    }
}
