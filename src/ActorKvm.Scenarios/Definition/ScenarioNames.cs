using ActorKvm.Model.Arch;
using ActorKvm.Model.Fault;

namespace ActorKvm.Engine.Scenarios.Definition;

/// <summary>
/// The scenario format's value vocabularies: enumeration spellings and expected results. The ops (names, phases,
/// accepted <c>expect</c> keys) are declared by their step types and listed in <see cref="StepOps"/>.
/// </summary>
public static class ScenarioNames
{
    /// <summary>Access kinds.</summary>
    public static readonly IReadOnlyList<(AccessKind Value, string Name)> AccessKinds =
        [(AccessKind.Read, "read"), (AccessKind.Write, "write"), (AccessKind.Exec, "exec"), (AccessKind.Atomic, "atomic"), (AccessKind.Cmo, "cmo"),
         (AccessKind.TagWrite, "tag-write"), (AccessKind.TagRead, "tag-read"),
         (AccessKind.LoadNoSyndrome, "load-no-syndrome"), (AccessKind.StoreNoSyndrome, "store-no-syndrome")];

    /// <summary>Memory types (<c>memtype</c>).</summary>
    public static readonly IReadOnlyList<(MemType Value, string Name)> MemTypes =
        [(MemType.Normal, "normal"), (MemType.NormalNc, "normal-nc"), (MemType.Device, "device")];

    /// <summary>Per-fault handler results (<c>expect.faults</c> items).</summary>
    public static readonly IReadOnlyList<string> FaultOutcomes = ["map", "relax", "young", "retry", "spurious"];

    /// <summary>Results that are not errno names.</summary>
    public static readonly IReadOnlyList<string> SpecialResults =
    [
        "ok", "mmio", "nisv", "sigbus-hwpoison", "inject-dabt", "inject-iabt", "inject-excl-atomic", "inject-l1",
        "inject-size-fault", "skip-cm", "memory-fault", "inject-serror", "livelock",
    ];

    /// <summary>Errno names a result may use: the model's <see cref="Errno"/> values plus the common Linux ones.</summary>
    public static readonly IReadOnlyList<string> ErrnoNames =
        System.Enum.GetValues<Errno>().Where(e => e != Errno.Ok).Select(e => e.ToScenarioName())
            .Concat([
                "eperm", "esrch", "ebadf", "echild", "eacces", "enotblk", "exdev", "enodev", "enotdir", "eisdir",
                "enfile", "emfile", "enotty", "efbig", "enospc", "espipe", "erofs", "emlink", "epipe", "edom",
                "erange", "eoverflow", "etimedout", "enotsupp", "eagain", "ehwpoison", "enoexec",
            ]).Distinct().ToList();

    /// <summary>True when <paramref name="result"/> is a result name an <c>expect.result</c> may use.</summary>
    public static bool IsKnownResult(string result) => SpecialResults.Contains(result) || ErrnoNames.Contains(result);
}
