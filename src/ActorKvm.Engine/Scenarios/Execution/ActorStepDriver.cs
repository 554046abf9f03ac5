using ActorKvm.Engine.Actors;
using ActorKvm.Engine.Actors.Messages;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Scenarios.Execution;

/// <summary>
/// Runs each phase as a <see cref="StepRequested"/> message to the VM's actors and waits for the
/// <see cref="StepCompleted"/> reply, for <see cref="ScriptedRun"/> on the actor engine: the scripted interleaving (turns,
/// waits, pauses: the shared <see cref="ActivityScheduler"/>'s) is the same on both engines, so a scenario gives the same result.
/// </summary>
public sealed class ActorStepDriver : IDisposable
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);
    private static int _vmCounter;
    private readonly ActorSystem _system;
    private IActorRef? _vm;

    /// <summary>Creates a driver on <paramref name="system"/>.</summary>
    public ActorStepDriver(ActorSystem system) => _system = system;

    /// <summary>Creates the VM's actors over <paramref name="scheduler"/> (the scripted runner's).</summary>
    public void Attach(ActivityScheduler scheduler) => _vm = _system.ActorOf(VmActor.Props(scheduler), $"vm-{Interlocked.Increment(ref _vmCounter)}");

    /// <summary>Runs the next phase of <paramref name="activity"/> on its owner's actor.</summary>
    public StepResult Step(Activity activity)
    {
        var vm = _vm ?? throw new InvalidOperationException("driver not attached to a VM");
        return vm.Ask<StepCompleted>(new StepRequested(activity), StepTimeout).GetAwaiter().GetResult().Result;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        if (_vm is not null) _system.Stop(_vm);
    }
}
