using ActorKvm.Model.Fault;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>Every scenario op, in the format's order: one line per step type (a new op is a step type and its line here).</summary>
public static class StepOps
{
    /// <summary>Every op.</summary>
    public static IReadOnlyList<StepOp> All { get; } =
    [
        AccessStep.Definition, PreFaultStep.Definition, NestedEnterStep.Definition, NestedExitStep.Definition, Stage2Step.Definition,
        .. HostRangeStep.Definitions, HostMmapStep.Definition, .. HostPageStep.Definitions,
        HostFreePageTablesStep.Definition, AgeStep.Definition, HostWriteStep.Definition, HostReadStep.Definition, MteSyncTagsStep.Definition,
        MemslotCreateStep.Definition, MemslotDeleteStep.Definition, MemslotMoveStep.Definition, MemslotSetFlagsStep.Definition,
        DirtyLogGetStep.Definition, DirtyLogClearStep.Definition,
        CheckStep.Definition, ResumeStep.Definition, JoinStep.Definition,
    ];

    /// <summary>Every op name, in the format's order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. All.Select(o => o.Name)];

    /// <summary>Every phase name of any kind.</summary>
    public static IReadOnlyList<string> AllPhases { get; } = [.. PhaseNames.Fault, .. PhaseNames.HostOp, .. PhaseNames.MemslotOp, .. PhaseNames.MteSync];

    /// <summary>Every <c>expect</c> key some op accepts.</summary>
    public static IReadOnlySet<string> AllExpectKeys { get; } = All.SelectMany(o => o.ExpectKeys).ToHashSet();

    /// <summary>The op named <paramref name="name"/>, or null.</summary>
    public static StepOp? Find(string name) => All.FirstOrDefault(o => o.Name == name);
}
