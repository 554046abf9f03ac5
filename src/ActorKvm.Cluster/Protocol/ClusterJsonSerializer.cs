using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Akka.Actor;
using System.Runtime.Serialization;
using Akka.Serialization;

namespace ActorKvm.Cluster.Protocol;

/// <summary>
/// The cluster hunt's wire format: UTF-8 JSON written by System.Text.Json's source generator (no reflection, no type
/// names on the wire), with the message's short type name as the manifest. A message's JSON is its record's
/// properties, so the format changes only when a record does; <see cref="Hosting.BuildId"/> keeps two builds apart anyway.
/// Bound to <see cref="IClusterMessage"/> as <c>actorkvm-json</c> in <c>cluster-wiring.hocon</c>.
/// </summary>
public sealed class ClusterJsonSerializer(ExtendedActorSystem system) : SerializerWithStringManifest(system)
{
    /// <summary>The serializer id in the cluster (unique among the system's serializers; Akka keeps 0-100).</summary>
    public const int Id = 1717;

    private static readonly Dictionary<string, JsonTypeInfo> ByManifest = new(StringComparer.Ordinal)
    {
        [nameof(WorkerJoining)] = ClusterJsonContext.Default.WorkerJoining,
        [nameof(WorkerAccepted)] = ClusterJsonContext.Default.WorkerAccepted,
        [nameof(WorkerRefused)] = ClusterJsonContext.Default.WorkerRefused,
        [nameof(RangeRequested)] = ClusterJsonContext.Default.RangeRequested,
        [nameof(RangeIssued)] = ClusterJsonContext.Default.RangeIssued,
        [nameof(RangeCancelled)] = ClusterJsonContext.Default.RangeCancelled,
        [nameof(RangeExplored)] = ClusterJsonContext.Default.RangeExplored,
        [nameof(HuntFinished)] = ClusterJsonContext.Default.HuntFinished,
        [nameof(HuntSpec)] = ClusterJsonContext.Default.HuntSpec,
    };

    /// <inheritdoc/>
    public override int Identifier => Id;

    /// <inheritdoc/>
    public override string Manifest(object o) =>
        ByManifest.ContainsKey(o.GetType().Name) ? o.GetType().Name : throw new ArgumentException($"{o.GetType()} is not a cluster message");

    /// <inheritdoc/>
    public override byte[] ToBinary(object obj) => JsonSerializer.SerializeToUtf8Bytes(obj, ByManifest[Manifest(obj)]);

    /// <inheritdoc/>
    public override object FromBinary(byte[] bytes, string manifest) =>
        ByManifest.TryGetValue(manifest, out var info)
            ? JsonSerializer.Deserialize(bytes, info) ?? throw new SerializationException($"empty {manifest}")
            : throw new SerializationException($"unknown cluster message '{manifest}' (a node of another build?)");
}

/// <summary>The source-generated metadata of the cluster messages.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(WorkerJoining))]
[JsonSerializable(typeof(WorkerAccepted))]
[JsonSerializable(typeof(WorkerRefused))]
[JsonSerializable(typeof(RangeRequested))]
[JsonSerializable(typeof(RangeIssued))]
[JsonSerializable(typeof(RangeCancelled))]
[JsonSerializable(typeof(RangeExplored))]
[JsonSerializable(typeof(HuntFinished))]
[JsonSerializable(typeof(HuntSpec))]
internal sealed partial class ClusterJsonContext : JsonSerializerContext;
