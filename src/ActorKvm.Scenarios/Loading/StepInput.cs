using ActorKvm.Engine.Scenarios.Definition;
using ActorKvm.Model.Arch;

namespace ActorKvm.Engine.Scenarios.Loading;

/// <summary>One step being read: its object, the VM it runs on, and the keys every step has (already read).</summary>
/// <param name="O">The step's object.</param>
/// <param name="Vm">The scenario's VM (vCPU count, features, IPA size).</param>
/// <param name="Index">Position in the steps list.</param>
/// <param name="Path">Key path, e.g. <c>steps[3]</c>.</param>
/// <param name="Id">The step's id, or null.</param>
/// <param name="PauseAt">Phase to pause after, or null.</param>
/// <param name="Async">Start without waiting.</param>
/// <param name="Expect">The step's expectations.</param>
/// <param name="IdIsSlot">The <c>id</c> key names the slot (<see cref="StepOp.IdNamesSlot"/> and no <c>slot</c> key).</param>
internal sealed record StepInput(ObjectReader O, VmConfig Vm, int Index, string Path, string? Id, string? PauseAt, bool Async, StepExpect Expect, bool IdIsSlot)
{
    /// <summary>The vCPU index (default 0), which must exist.</summary>
    public int Vcpu()
    {
        var vcpu = O.Int("vcpu", 0, int.MaxValue) ?? 0;
        if (vcpu >= Vm.Vcpus)
            throw new ScenarioParseException(O.PathOf("vcpu"), $"vcpu {vcpu} does not exist (vm.vcpus = {Vm.Vcpus})");
        return vcpu;
    }

    /// <summary>The slot id, from <c>id</c> or <c>slot</c>.</summary>
    public int SlotId() => O.RequiredInt(IdIsSlot ? "id" : "slot", 0, short.MaxValue);

    /// <summary>The required <c>hva</c>.</summary>
    public Hva Hva() => new(O.RequiredAddress("hva"));
}
