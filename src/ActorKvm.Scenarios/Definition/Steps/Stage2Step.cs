using ActorKvm.Model.Arch;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>Inspects the stage-2 leaf at an IPA (<c>stage2</c>): canonical, or a vCPU's shadow stage-2.</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="Gpa">The IPA (an L2 IPA when <paramref name="Shadow"/>).</param>
/// <param name="Shadow">Inspect the shadow stage-2 of the vCPU's current L2 context.</param>
/// <param name="Vcpu">The vCPU whose shadow is inspected (0 by default).</param>
public sealed record Stage2Step(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, Ipa Gpa, bool Shadow, int Vcpu)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <summary>The <c>stage2</c> op.</summary>
    public static StepOp Definition { get; } = new("stage2", [], ["mapped", "size", "perms", "memtype", "young"], s => new Stage2Step(s.Index, s.Path, s.Id, s.PauseAt, s.Async, s.Expect, new Ipa(s.O.RequiredAddress("gpa")), s.O.Bool("shadow") ?? false, s.Vcpu()));

    /// <inheritdoc/>
    public override string Op => Definition.Name;
}
