using System.Collections.Concurrent;

namespace ActorKvm.Engine.Scheduling;

/// <summary>
/// Where a <see cref="DeterministicSystem"/> leaves its executor for Akka's configurator to pick up: the
/// dispatcher configurator is constructed by Akka from config alone, so the link is the config's
/// <c>scheduler-id</c>, unique per actor system.
/// </summary>
internal static class DeterministicExecutors
{
    private static readonly ConcurrentDictionary<string, DeterministicExecutor> ById = new(StringComparer.Ordinal);

    public static void Register(string id, DeterministicExecutor executor) => ById[id] = executor;

    public static DeterministicExecutor? Find(string id) => ById.GetValueOrDefault(id);

    public static void Unregister(string id) => ById.TryRemove(id, out _);
}
