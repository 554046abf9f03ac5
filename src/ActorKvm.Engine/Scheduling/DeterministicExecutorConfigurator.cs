using Akka.Configuration;
using Akka.Dispatch;

namespace ActorKvm.Engine.Scheduling;

/// <summary>
/// Named by the deterministic dispatcher's <c>executor</c> setting in <c>akka.hocon</c>; Akka constructs it
/// with the dispatcher's config. It hands out the <see cref="DeterministicExecutor"/> its
/// <see cref="DeterministicSystem"/> registered under the config's <c>scheduler-id</c>.
/// </summary>
public sealed class DeterministicExecutorConfigurator : ExecutorServiceConfigurator
{
    /// <summary>Created by Akka's dispatcher configurator.</summary>
    public DeterministicExecutorConfigurator(Config config, IDispatcherPrerequisites prerequisites) : base(config, prerequisites) { }

    /// <inheritdoc/>
    public override ExecutorService Produce(string id)
    {
        var key = Config.GetString("scheduler-id", "");
        return DeterministicExecutors.Find(key) ?? throw new InvalidOperationException(
            $"dispatcher '{id}' is deterministic but no DeterministicSystem registered scheduler-id '{key}': create the actor system through DeterministicSystem");
    }
}
