using System.Globalization;
using Akka.Actor;
using Akka.Configuration;

namespace ActorKvm.Cluster.Hosting;

/// <summary>
/// The <c>actorkvm.cluster</c> section of <c>akka.hocon</c> (layered by <c>--config</c>): where a node listens, whom it
/// joins, its roles, how many lanes it runs, how long a range should take and how patient the failure detector is.
/// </summary>
/// <param name="Hostname">The address a node binds (loopback by default; the machine's address to span machines).</param>
/// <param name="PublicHostname">The address others reach it at, when it differs (NAT, 0.0.0.0 binds); empty: <paramref name="Hostname"/>.</param>
/// <param name="Port"><c>hunt --cluster</c>'s port (<c>--port</c> wins; 0: any free port).</param>
/// <param name="WorkerPort">A worker's port (<c>--port</c> wins; 0: any free port).</param>
/// <param name="SeedNodes">Nodes to join (<c>host:port</c> or Akka addresses); <c>--seed-node</c> replaces them; none: the hunt node seeds itself.</param>
/// <param name="Lanes">Schedules run in parallel per node (0: one per processor).</param>
/// <param name="RangeSeconds">About how long a lane's range should take.</param>
/// <param name="CoordinatorRole">The role of the node that hosts the coordinator singleton.</param>
/// <param name="WorkerRole">The role of nodes that run lanes.</param>
/// <param name="HeartbeatInterval">Failure detector: heartbeat interval.</param>
/// <param name="AcceptableHeartbeatPause">Failure detector: pause tolerated before a node is unreachable (its ranges re-issued).</param>
/// <param name="Threshold">Failure detector: phi threshold.</param>
/// <param name="DownAfter">An unreachable node is downed (removed) after this (split-brain resolver <c>stable-after</c>).</param>
/// <param name="WaitForNodes">The coordinator hands out no range before this many worker nodes (its own included) joined.</param>
/// <param name="JoinTimeout">A worker not taken into a hunt within this ends (exit 1) instead of waiting for a coordinator that never comes.</param>
public sealed record ClusterHuntSettings(string Hostname, string PublicHostname, int Port, int WorkerPort, IReadOnlyList<string> SeedNodes, int Lanes,
    double RangeSeconds, string CoordinatorRole, string WorkerRole, TimeSpan HeartbeatInterval, TimeSpan AcceptableHeartbeatPause, double Threshold,
    TimeSpan DownAfter, int WaitForNodes, TimeSpan JoinTimeout)
{
    /// <summary>The actor system's name on every node (part of every address).</summary>
    public const string SystemName = "actorkvm";

    /// <summary>The section's path.</summary>
    public const string Section = "actorkvm.cluster";

    /// <summary>Reads <see cref="Section"/> of <paramref name="config"/>.</summary>
    /// <exception cref="FormatException">A key is missing or out of range (the message names it).</exception>
    public static ClusterHuntSettings From(Config config)
    {
        var c = config.GetConfig(Section) ?? throw new FormatException($"{Section}: missing");
        string Str(string key) => c.HasPath(key) ? c.GetString(key) ?? "" : throw new FormatException($"{Section}.{key}: missing");
        int Int(string key, int min, int max)
        {
            var v = c.HasPath(key) ? c.GetInt(key) : throw new FormatException($"{Section}.{key}: missing");
            return v >= min && v <= max ? v : throw new FormatException($"{Section}.{key}: expected {min}..{max}, got {v}");
        }
        TimeSpan Time(string key) => c.HasPath(key) && c.GetTimeSpan(key) is var t && t > TimeSpan.Zero ? t : throw new FormatException($"{Section}.{key}: expected a positive duration");
        double Positive(string key) => c.HasPath(key) && c.GetDouble(key) is var d && d > 0 ? d : throw new FormatException($"{Section}.{key}: expected a positive number");
        var seeds = c.HasPath("seed-nodes") ? c.GetStringList("seed-nodes").Select(s => SeedAddress(s, $"{Section}.seed-nodes")).ToList() : [];
        return new ClusterHuntSettings(Str("hostname"), Str("public-hostname"), Int("port", 0, 65535), Int("worker-port", 0, 65535), seeds,
            Int("lanes", 0, 1024), Positive("range-seconds"), Str("roles.coordinator"), Str("roles.worker"),
            Time("failure-detector.heartbeat-interval"), Time("failure-detector.acceptable-heartbeat-pause"), Positive("failure-detector.threshold"),
            Time("down-unreachable-after"), Int("wait-for-nodes", 1, 100_000), Time("join-timeout"));
    }

    /// <summary>Lanes to run on this machine.</summary>
    public int LanesHere => Lanes > 0 ? Lanes : Environment.ProcessorCount;

    /// <summary>
    /// The Akka address of a seed node given as <c>host:port</c> or as an address (<c>akka.tcp://actorkvm@host:port</c>).
    /// </summary>
    /// <exception cref="FormatException">Neither form (the message names <paramref name="what"/>).</exception>
    public static string SeedAddress(string text, string what)
    {
        if (text.Contains("://", StringComparison.Ordinal))
        {
            try
            {
                var a = Address.Parse(text);
                if (a.Host is null || a.Port is null or <= 0) throw new UriFormatException("no host or port");
                return a.ToString();
            }
            catch (Exception e) when (e is UriFormatException or ArgumentException or FormatException)
            {
                throw new FormatException($"{what}: expected host:port or akka.tcp://{SystemName}@host:port, got '{text}'");
            }
        }
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port is < 1 or > 65535)
            throw new FormatException($"{what}: expected host:port or akka.tcp://{SystemName}@host:port, got '{text}'");
        return $"akka.tcp://{SystemName}@{text[..colon]}:{port}";
    }

    /// <summary>The Akka configuration of a node with <paramref name="roles"/> listening on <paramref name="port"/>, over <paramref name="engine"/>.</summary>
    public Config ToAkkaConfig(IEnumerable<string> roles, int port, Config engine)
    {
        static string Q(string s) => "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
        static string Ms(TimeSpan t) => $"{(long)t.TotalMilliseconds}ms";
        var text = $$"""
            akka.remote.dot-netty.tcp {
              hostname = {{Q(Hostname)}}
              port = {{port}}
              {{(PublicHostname.Length > 0 ? $"public-hostname = {Q(PublicHostname)}" : "")}}
            }
            akka.cluster {
              roles = [{{string.Join(", ", roles.Select(Q))}}]
              failure-detector {
                heartbeat-interval = {{Ms(HeartbeatInterval)}}
                acceptable-heartbeat-pause = {{Ms(AcceptableHeartbeatPause)}}
                threshold = {{Threshold.ToString(CultureInfo.InvariantCulture)}}
              }
              split-brain-resolver.stable-after = {{Ms(DownAfter)}}
              split-brain-resolver.keep-oldest.role = {{Q(CoordinatorRole)}}
            }
            """;
        return ConfigurationFactory.ParseString(text).WithFallback(ConfigurationFactory.ParseString(WiringText)).WithFallback(engine);
    }

    private static string WiringText
    {
        get
        {
            using var s = typeof(ClusterHuntSettings).Assembly.GetManifestResourceStream("cluster-wiring.hocon")
                ?? throw new InvalidOperationException("cluster-wiring.hocon is not embedded in ActorKvm.Cluster");
            using var r = new StreamReader(s);
            return r.ReadToEnd();
        }
    }
}
