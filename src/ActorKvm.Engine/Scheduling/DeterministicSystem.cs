using System.Runtime.CompilerServices;
using Akka.Actor;
using Akka.Configuration;

namespace ActorKvm.Engine.Scheduling;

/// <summary>
/// An actor system whose model actors run on the seeded deterministic dispatcher
/// (<c>actorkvm.deterministic-dispatcher</c> in <c>akka.hocon</c>): actors made with <see cref="Spawn"/> take
/// turns only when <see cref="Drive"/> runs them, one message at a time, in the order a strategy picks.
/// One system serves many runs (creating an actor system costs milliseconds; a run must cost microseconds).
/// </summary>
public sealed class DeterministicSystem : IDisposable
{
    /// <summary>The dispatcher id in <c>akka.hocon</c>.</summary>
    public const string DispatcherId = "actorkvm.deterministic-dispatcher";

    private static int _systems;
    private readonly string _schedulerId;
    private int _spawned;

    /// <summary>Creates the system from <paramref name="config"/> (usually <see cref="EngineConfig.Load"/>).</summary>
    public DeterministicSystem(Config config)
    {
        _schedulerId = $"deterministic-{Interlocked.Increment(ref _systems)}";
        Executor = new DeterministicExecutor(DispatcherId);
        DeterministicExecutors.Register(_schedulerId, Executor);
        var withId = ConfigurationFactory.ParseString($"{DispatcherId}.scheduler-id = \"{_schedulerId}\"").WithFallback(config);
        System = ActorSystem.Create("actorkvm-deterministic", withId);
        _root = System.ActorOf(Props.Create(() => new DeterministicRoot()).WithDispatcher(DispatcherId), "deterministic");
        // The guardian starts the root on its own thread; wait for that once, here, driving what arrives.
        var started = _root.Ask<ActorIdentity>(new Identify(null), TimeSpan.FromSeconds(30));
        while (!started.IsCompleted)
        {
            Executor.Drive(FifoStrategy.Instance);
            started.Wait(TimeSpan.FromMilliseconds(1));
        }
        started.GetAwaiter().GetResult();
        Executor.Drive(FifoStrategy.Instance);
    }

    private readonly IActorRef _root;

    /// <summary>The actor system.</summary>
    public ActorSystem System { get; }

    /// <summary>The executor whose runnable set the strategy chooses from.</summary>
    public DeterministicExecutor Executor { get; }

    /// <summary>
    /// Creates a top-level actor on the deterministic dispatcher (its children inherit it). The name gets a
    /// per-system counter so runs can reuse names; keep actor paths out of anything that must be byte-identical.
    /// </summary>
    public IActorRef Spawn(Props props, string name)
    {
        var created = new StrongBox<IActorRef?>();
        _root.Tell(new DeterministicRoot.SpawnRequested(props.WithDispatcher(DispatcherId), $"{name}-{++_spawned}", created), ActorRefs.NoSender);
        Executor.Drive(FifoStrategy.Instance); // creation is set-up, not part of any schedule
        return created.Value ?? throw new InvalidOperationException($"the deterministic root did not create '{name}'");
    }

    /// <summary>Runs actor turns until quiescence (see <see cref="DeterministicExecutor.Drive"/>).</summary>
    public long Drive(ISchedulingStrategy strategy, ScheduleLog? log = null, long maxSteps = long.MaxValue, Func<bool>? stop = null) =>
        Executor.Drive(strategy, log, maxSteps, stop);

    /// <summary>Stops <paramref name="actor"/> and its children, and runs their shutdown to quiescence (no choices recorded).</summary>
    public void StopAndDrain(IActorRef actor)
    {
        // A PoisonPill goes straight to the actor's own mailbox; System.Stop would go through the user guardian,
        // which runs on another dispatcher and would stop the actor after the drain.
        actor.Tell(PoisonPill.Instance, ActorRefs.NoSender);
        Executor.Drive(FifoStrategy.Instance);
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Executor.ReleaseToThreadPool();
        System.Terminate().Wait(TimeSpan.FromSeconds(10));
        DeterministicExecutors.Unregister(_schedulerId);
    }
}
