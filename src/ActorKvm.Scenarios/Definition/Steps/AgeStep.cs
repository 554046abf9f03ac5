using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Notifier;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary><c>kvm_age_gfn</c> over a range (<c>age</c>): clears the access flag.</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="Gpa">Start of the range.</param>
/// <param name="Size">Length in bytes.</param>
public sealed record AgeStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, Ipa Gpa, ulong Size)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <summary>The <c>age</c> op.</summary>
    public static StepOp Definition { get; } = new("age", [], ["result", "young"], Read);

    /// <inheritdoc/>
    public override string Op => Definition.Name;

    /// <inheritdoc/>
    public override Activity CreateActivity(Kvm kvm, int id) => new AgeOperation(kvm, id, Gpa, Size);

    /// <summary>
    /// <c>kvm_age_gfn</c> gets its range from a memslot (<c>kvm_handle_hva_range</c> clips to it), so it never leaves the
    /// IPA space: a range that does is the file's error, not a walk the stage-2 code would refuse.
    /// </summary>
    private static AgeStep Read(StepInput s)
    {
        var gpa = s.O.RequiredAddress("gpa");
        var size = s.O.RequiredSize("size");
        if (gpa >= s.Vm.PhysSize || size > s.Vm.PhysSize - gpa)
            throw new ScenarioParseException(s.O.PathOf("size"), $"range 0x{gpa:x}+0x{size:x} ends beyond the IPA space of 2^{s.Vm.IpaBits} bytes (vm.ipa-bits)");
        return new AgeStep(s.Index, s.Path, s.Id, s.PauseAt, s.Async, s.Expect, new Ipa(gpa), size);
    }
}
