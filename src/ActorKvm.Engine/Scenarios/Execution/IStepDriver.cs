using ActorKvm.Engine.Scheduling;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Execution;

/// <summary>
/// How <see cref="ScriptedRun"/> makes an activity run one phase: directly on the model, or as a message to
/// the actor that owns it. The scripted interleaving (turns, waits, pauses) is the same for both, so a scenario
/// gives the same result on either engine.
/// </summary>
public interface IStepDriver : IDisposable
{
    /// <summary>Binds the driver to the VM the scenario built, through its scheduler (the one the runner reads waits and pauses from).</summary>
    void Attach(ActivityScheduler scheduler);

    /// <summary>Runs the next phase of <paramref name="activity"/>.</summary>
    StepResult Step(Activity activity);
}

/// <summary>Runs phases directly on the pure model, through the scheduler.</summary>
public sealed class ModelStepDriver : IStepDriver
{
    private ActivityScheduler? _scheduler;

    /// <inheritdoc/>
    public void Attach(ActivityScheduler scheduler) => _scheduler = scheduler;

    /// <inheritdoc/>
    public StepResult Step(Activity activity) => _scheduler!.Step(activity).Result;

    /// <inheritdoc/>
    public void Dispose() { }
}
