using ActorKvm.Engine.Actors;
using ActorKvm.Engine.Actors.Messages;
using ActorKvm.Engine.Scheduling;
using ActorKvm.Model.Vm;
using Akka.Actor;

namespace ActorKvm.Engine.Scenarios.Execution;

/// <summary>
/// Runs each phase as a <see cref="StepRequested"/> message to the VM's actors and waits for the
/// <see cref="StepCompleted"/> reply; <c>pause-at</c> / <c>resume</c> become gates on actor phase boundaries.
/// </summary>
public sealed class ActorStepDriver : IStepDriver
{
    private static readonly TimeSpan StepTimeout = TimeSpan.FromSeconds(30);
    private static int _vmCounter;
    private readonly ActorSystem _system;
    private IActorRef? _vm;

    /// <summary>Creates a driver on <paramref name="system"/>.</summary>
    public ActorStepDriver(ActorSystem system) => _system = system;

    /// <inheritdoc/>
    public void Attach(ActivityScheduler scheduler) => _vm = _system.ActorOf(VmActor.Props(scheduler), $"vm-{Interlocked.Increment(ref _vmCounter)}");

    /// <inheritdoc/>
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
