using ActorKvm.Engine.Scenarios.Loading;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>
/// One scenario op, declared by the step type that performs it (its static <c>Definition</c>): the op name, the phases a
/// step of it can pause after, the <c>expect</c> keys it accepts and how its own keys are read. <see cref="StepOps.All"/>
/// lists every op.
/// </summary>
public sealed class StepOp
{
    internal StepOp(string name, IReadOnlyList<string> phases, IReadOnlyList<string> expectKeys, Func<StepInput, StepSpec> read, bool idNamesSlot = false)
    {
        Name = name;
        Phases = phases;
        ExpectKeys = [.. expectKeys, StepExpect.ViolationsKey, StepExpect.ViolationsIncludeKey];
        Read = read;
        IdNamesSlot = idNamesSlot;
    }

    /// <summary>The op name (<c>access</c>, <c>munmap</c>, ...).</summary>
    public string Name { get; }

    /// <summary>The phases a step of this op can pause after (none for ops without phases).</summary>
    public IReadOnlyList<string> Phases { get; }

    /// <summary>The <c>expect</c> keys a step of this op accepts (<c>violations</c> and <c>violations-include</c> always).</summary>
    public IReadOnlyList<string> ExpectKeys { get; }

    /// <summary>Reads the op's own keys once the common ones are read.</summary>
    internal Func<StepInput, StepSpec> Read { get; }

    /// <summary>The format spells the slot as <c>id</c> (unless <c>slot</c> is given, which frees <c>id</c> for the step's own id).</summary>
    internal bool IdNamesSlot { get; }
}
