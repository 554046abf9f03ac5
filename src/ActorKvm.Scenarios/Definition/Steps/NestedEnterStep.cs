using ActorKvm.Engine.Scenarios.Loading;
using ActorKvm.Model.Arch;
using ActorKvm.Model.Nested;
using ActorKvm.Model.Vm;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>The vCPU enters an L2 guest whose L1 stage-2 holds the given mappings (<c>nested-enter</c>).</summary>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="Vcpu">The vCPU.</param>
/// <param name="L1S2">L1's stage-2 mappings.</param>
public sealed record NestedEnterStep(int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, int Vcpu, IReadOnlyList<L1S2Mapping> L1S2)
    : StepSpec(Index, Path, Id, PauseAt, Async, Expect)
{
    /// <summary>The <c>nested-enter</c> op.</summary>
    public static StepOp Definition { get; } = new("nested-enter", [], ["result"], Read);

    /// <inheritdoc/>
    public override string Op => Definition.Name;

    /// <inheritdoc/>
    public override Activity CreateActivity(Kvm kvm, int id) => new NestedTransition(kvm, id, kvm.Vcpus[Vcpu], L1S2.Select(m => new L1S2Map(m.L2Ipa, m.L1Ipa, m.Size, m.Perms)).ToList());

    private static NestedEnterStep Read(StepInput s)
    {
        var o = s.O;
        if (!s.Vm.Features.Nested)
            throw new ScenarioParseException(o.PathOf("op"), "nested-enter needs vm.features.nested = true");
        var vcpu = s.Vcpu();
        o.Require("l1-s2");
        var maps = o.List("l1-s2", (n, p) =>
        {
            var m = ObjectReader.Of(n, p);
            var r = new L1S2Mapping(new Ipa(m.RequiredAddress("l2-ipa")), new Ipa(m.RequiredAddress("l1-ipa")),
                m.RequiredSize("size"), Values.Perms(m.Require("perms"), m.PathOf("perms")), p);
            m.Done();
            return r;
        })!;
        return new NestedEnterStep(s.Index, s.Path, s.Id, s.PauseAt, s.Async, s.Expect, vcpu, maps);
    }
}
