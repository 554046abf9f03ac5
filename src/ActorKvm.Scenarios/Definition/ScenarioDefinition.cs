namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>
/// One scenario file, fully validated: the VM, its host memory, the initial memslots, the steps and the
/// expectations. Immutable; nothing here has run.
/// </summary>
/// <param name="Name">Scenario name (unique within a directory).</param>
/// <param name="Description">Optional one-line description shown by <c>actorkvm scenarios</c>.</param>
/// <param name="SourcePath">The file it was loaded from, as given to the loader.</param>
/// <param name="Vm">VM configuration (defaults applied).</param>
/// <param name="Host">Host memory configuration.</param>
/// <param name="Memslots">Initial memslots, already checked as <c>kvm_set_memory_region</c> would.</param>
/// <param name="Steps">Steps in file order.</param>
/// <param name="Expect">Final expectations.</param>
/// <param name="Bugs">Bug switches the scenario turns on (known names from the bug catalog).</param>
public sealed record ScenarioDefinition(
    string Name,
    string? Description,
    string SourcePath,
    VmConfig Vm,
    HostConfig Host,
    IReadOnlyList<MemslotSpec> Memslots,
    IReadOnlyList<StepSpec> Steps,
    FinalExpect Expect,
    IReadOnlyList<string> Bugs)
{
    /// <summary><c>min-kernel</c>: the oldest kernel whose behaviour the scenario asserts (<c>actorkvm diff</c> skips it on older kernels); null = any.</summary>
    public KernelVersion? MinKernel { get; init; }

    /// <summary>Variants the scenario turns on (top-level <c>variants</c>; names from <c>actorkvm variants</c>).</summary>
    public IReadOnlyList<string> Variants { get; init; } = [];
}
