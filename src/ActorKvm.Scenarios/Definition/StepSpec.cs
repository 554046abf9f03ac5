using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>
/// One entry of <c>steps</c>. Each op is a subclass that owns its whole entry: its name, phases, accepted <c>expect</c>
/// keys and how it is read (its <see cref="StepOp"/>, listed in <see cref="StepOps"/>) and the model activity that
/// performs it (<see cref="CreateActivity"/>); the common keys are here.
/// </summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path for messages, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id (needed to resume it), unique in the file; null if none.</param>
/// <param name="PauseAt">Phase name to pause after (first time reached), or null.</param>
/// <param name="Async">Start without waiting (seeded runs order it); <c>join</c> waits for it.</param>
/// <param name="Expect">The step's expectations (every key optional).</param>
public abstract record StepSpec(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect)
{
    /// <summary>The scenario op name (<c>access</c>, <c>munmap</c>, ...).</summary>
    public abstract string Op { get; }

    /// <summary>
    /// The model activity that performs this step on <paramref name="kvm"/> with id <paramref name="id"/>, or null for
    /// the steps the runner handles itself (<c>check</c>, <c>stage2</c>, <c>resume</c>, <c>join</c>).
    /// </summary>
    public virtual Activity? CreateActivity(Kvm kvm, int id) => null;

    /// <summary>The key path of one of this step's keys, e.g. <c>steps[3].gpa</c>.</summary>
    public string KeyPath(string key) => $"{Path}.{key}";

    /// <summary>A short label for messages and traces: the id if any, else the path and op.</summary>
    public string Label => Id ?? $"{Path}({Op})";
}
