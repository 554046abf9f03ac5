using ActorKvm.Model.Arch;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>
/// A step's <c>expect</c> object. Every key is optional: null means "not checked". Which keys an op
/// accepts is decided by the loader (see <see cref="StepOp.ExpectKeys"/>).
/// </summary>
/// <param name="Path">Key path of the object, e.g. <c>steps[4].expect</c>.</param>
/// <param name="Result"><c>result</c>: <c>ok</c>, <c>mmio</c>, an errno name (<c>efault</c>), <c>sigbus-hwpoison</c>, <c>inject-*</c>, <c>skip-cm</c>, <c>memory-fault</c>.</param>
/// <param name="Faults"><c>faults</c>: per-fault handler results in order (<c>map</c>, <c>relax</c>, <c>young</c>, <c>retry</c>, <c>spurious</c>).</param>
/// <param name="Size"><c>size</c>: bytes of the stage-2 leaf that maps the IPA.</param>
/// <param name="Perms"><c>perms</c>: the leaf's R/W/X.</param>
/// <param name="MemType"><c>memtype</c>: the leaf's memory type.</param>
/// <param name="Value"><c>value</c>: the value read (access reads, <c>host-read</c>).</param>
/// <param name="Mapped"><c>mapped</c> on <c>stage2</c>: whether a leaf maps the IPA.</param>
/// <param name="MappedBytes"><c>mapped</c> on <c>pre-fault</c>: the bytes mapped.</param>
/// <param name="Young"><c>young</c>: the access flag (<c>age</c>, <c>stage2</c>).</param>
/// <param name="Pages"><c>pages</c>: dirty page offsets reported by <c>dirty-log-get</c>.</param>
/// <param name="Violations"><c>violations</c>: exactly these violation names must occur.</param>
/// <param name="ViolationsInclude"><c>violations-include</c>: these must occur, others may too.</param>
public sealed record StepExpect(
    string Path,
    string? Result = null,
    IReadOnlyList<string>? Faults = null,
    ulong? Size = null,
    S2Prot? Perms = null,
    MemType? MemType = null,
    ulong? Value = null,
    bool? Mapped = null,
    ulong? MappedBytes = null,
    bool? Young = null,
    IReadOnlyList<ulong>? Pages = null,
    IReadOnlyList<string>? Violations = null,
    IReadOnlyList<string>? ViolationsInclude = null)
{
    /// <summary>Key name <c>result</c>.</summary>
    public const string ResultKey = "result";
    /// <summary>Key name <c>faults</c>.</summary>
    public const string FaultsKey = "faults";
    /// <summary>Key name <c>size</c>.</summary>
    public const string SizeKey = "size";
    /// <summary>Key name <c>perms</c>.</summary>
    public const string PermsKey = "perms";
    /// <summary>Key name <c>memtype</c>.</summary>
    public const string MemTypeKey = "memtype";
    /// <summary>Key name <c>value</c>.</summary>
    public const string ValueKey = "value";
    /// <summary>Key name <c>mapped</c> (bool on <c>stage2</c>, bytes on <c>pre-fault</c>).</summary>
    public const string MappedKey = "mapped";
    /// <summary>Key name <c>young</c>.</summary>
    public const string YoungKey = "young";
    /// <summary>Key name <c>pages</c>.</summary>
    public const string PagesKey = "pages";
    /// <summary>Key name <c>violations</c>.</summary>
    public const string ViolationsKey = "violations";
    /// <summary>Key name <c>violations-include</c>.</summary>
    public const string ViolationsIncludeKey = "violations-include";

    /// <summary>An empty expectation for a step at <paramref name="stepPath"/>.</summary>
    public static StepExpect None(string stepPath) => new($"{stepPath}.expect");

    /// <summary>The key path of one key, e.g. <c>steps[4].expect.faults</c>, for FAIL lines.</summary>
    public string KeyPath(string key) => $"{Path}.{key}";

    /// <summary>True when nothing is expected.</summary>
    public bool IsEmpty => Result is null && Faults is null && Size is null && Perms is null && MemType is null
        && Value is null && Mapped is null && MappedBytes is null && Young is null && Pages is null
        && Violations is null && ViolationsInclude is null;
}
