using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>The guest performs one access (<c>access</c>); faults are raised and handled until it completes or exits.</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="Vcpu">The vCPU that accesses.</param>
/// <param name="Gpa">The address (an L2 IPA while nested).</param>
/// <param name="Kind">read, write, exec, atomic or cmo.</param>
/// <param name="Value">Value stored by a write or atomic.</param>
public sealed record AccessStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, int Vcpu, Ipa Gpa, AccessKind Kind, ulong? Value)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <summary>The <c>access</c> op.</summary>
    public static StepOp Definition { get; } = new("access", PhaseNames.Fault, ["result", "faults", "size", "perms", "memtype", "value", "young"], Read);

    /// <inheritdoc/>
    public override string Op => Definition.Name;

    /// <inheritdoc/>
    public override Activity CreateActivity(Kvm kvm, int id) => new GuestAccess(kvm, id, kvm.Vcpus[Vcpu], Gpa, Kind, Value ?? 0);

    private static AccessStep Read(StepInput s)
    {
        var o = s.O;
        var vcpu = s.Vcpu();
        var gpa = new Ipa(o.RequiredAddress("gpa"));
        var kind = Values.Enum(o.Require("kind"), o.PathOf("kind"), ScenarioNames.AccessKinds);
        var value = o.UInt64("value");
        if (value is not null && !kind.StoresValue() && kind != AccessKind.TagWrite)
            throw new ScenarioParseException(o.PathOf("value"), "only a write, store-no-syndrome, atomic or tag-write access stores a value (use expect.value for reads)");
        if (kind is AccessKind.TagWrite or AccessKind.TagRead && !s.Vm.Features.Mte)
            throw new ScenarioParseException(o.PathOf("kind"), $"{ScenarioNames.AccessKinds.First(k => k.Value == kind).Name} needs vm.features.mte = true");
        if (kind == AccessKind.TagWrite && value is null or > 15)
            throw new ScenarioParseException(o.PathOf("value"), "a tag-write stores a 4-bit tag: value 0..15");
        return new AccessStep(s.Index, s.Path, s.Id, s.PauseAt, s.Async, s.Expect, vcpu, gpa, kind, value);
    }
}
